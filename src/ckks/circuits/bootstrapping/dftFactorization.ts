/**
 * The homomorphic DFTs of CKKS bootstrapping in float64: CoeffsToSlots (the inverse of the encoder's decoding map)
 * and SlotsToCoeffs (the decoding map), factorised into radix-2 butterfly stages, merged into a level budget and
 * written as generalised diagonals (y = Σ_k d_k ⊙ rot(x, k)) for the BSGS linear transforms.
 *
 * References: Cheon–Han–Kim–Kim–Song, "Bootstrapping for approximate HE" (Eurocrypt 2018, §4: the special FFT as
 * log n sparse matrices); Chen–Chillotti–Song, "Improved bootstrapping for approximate HE" (Eurocrypt 2019, §3:
 * merging stages into a level budget, BSGS per stage); Han–Ki, "Better bootstrapping for approximate HE"
 * (CT-RSA 2020); Bossuat–Mouchet–Troncoso-Pastoriza–Hubaux, "Efficient bootstrapping for approximate HE with
 * non-sparse keys" (Eurocrypt 2021, §3: the sparse-slot repacking of real and imaginary parts).
 *
 * The encoder of this library (canonicalEmbedding.ts) maps the 2n real coefficients c of a message polynomial to n
 * complex slots z_j = Σ_{k<n} w_k·ξ^{k·g_j} with w_k = c_k + i·c_{k+n}, ξ = e^{2πi/4n}, g_j = 5^j mod 4n; i.e.
 * z = V·w. The special FFT factorises V = D_n ⋯ D_4·D_2·R, R the bit-reversal permutation and D_len the butterfly
 * stage on blocks of `len`: for a block start b and j < len/2, with ζ_j = e^{2πi·(5^j mod 4len)/(4len)},
 *   y_{b+j} = x_{b+j} + ζ_j·x_{b+j+len/2},   y_{b+j+len/2} = x_{b+j} − ζ_j·x_{b+j+len/2}.
 * Each stage has three diagonals (0, +len/2, −len/2). Bootstrapping never needs R: CoeffsToSlots computes
 * R·V^{-1} = D_2^{-1} ⋯ D_n^{-1} (coefficients in bit-reversed slot order), EvalMod acts slot-wise, and
 * SlotsToCoeffs computes V·R = D_n ⋯ D_2 on the bit-reversed vector.
 *
 * Slot "space": the transforms act on vectors of n slots, replicated block-diagonally over a space of n or 2n
 * slots. With n < N/2 slots the ciphertext can be viewed with 2n slots (its slots are then periodic, [z, z]), so
 * CoeffsToSlots can place the real parts of w in the first n slots and the imaginary parts in the next n: one
 * EvalMod handles all 2n coefficients ('repack' layout). SlotsToCoeffs then starts with the matrix that
 * recombines them, [a, b] → [a + i·b, a + i·b].
 */
import type { DiagonalMatrix } from '../linearTransform/diagonals.js';

/** A complex vector as real and imaginary parts (equal lengths). */
export interface ComplexArray {
  re: Float64Array;
  im: Float64Array;
}

/** Diagonals of a linear map on `space` slots: index k ∈ [0, space) → d_k. */
export type ComplexDiagonals = Map<number, ComplexArray>;

/** A complex number. */
export interface Complex {
  re: number;
  im: number;
}

function zeros(length: number): ComplexArray {
  return { re: new Float64Array(length), im: new Float64Array(length) };
}

function checkPowerOfTwo(n: number, what: string): void {
  if (!Number.isInteger(n) || n < 1 || (n & (n - 1)) !== 0) throw new RangeError(`${what} must be a power of two, got ${n}`);
}

/** e^{2πi·(5^j mod 4len)/(4len)} for j < len/2: the twiddles of the decoding stage on blocks of `len`. */
function stageTwiddles(len: number): ComplexArray {
  const half = len / 2;
  const m = 4 * len;
  const out = zeros(half);
  let g = 1;
  for (let j = 0; j < half; j++) {
    const angle = (2 * Math.PI * g) / m;
    out.re[j] = Math.cos(angle);
    out.im[j] = Math.sin(angle);
    g = (g * 5) % m;
  }
  return out;
}

function entry(map: ComplexDiagonals, k: number, space: number): ComplexArray {
  const key = ((k % space) + space) % space;
  let d = map.get(key);
  if (d === undefined) {
    d = zeros(space);
    map.set(key, d);
  }
  return d;
}

/**
 * The decoding butterfly stage D_len on a space of `space` slots (n-slot blocks repeated space/n times):
 * diagonal 0, +len/2 and −len/2 (merged into one when len/2 = space/2).
 */
export function decodeStage(slots: number, len: number, space: number): ComplexDiagonals {
  checkStage(slots, len, space);
  const half = len / 2;
  const w = stageTwiddles(len);
  const map: ComplexDiagonals = new Map();
  const d0 = entry(map, 0, space);
  const up = entry(map, half, space);
  const down = entry(map, -half, space);
  for (let i = 0; i < space; i++) {
    const j = i % len;
    if (j < half) {
      d0.re[i] = 1;
      up.re[i] = w.re[j]!;
      up.im[i] = w.im[j]!;
    } else {
      d0.re[i] = -w.re[j - half]!;
      d0.im[i] = -w.im[j - half]!;
      down.re[i] = down.re[i]! + 1;
    }
  }
  return map;
}

/**
 * The encoding stage E_len = D_len^{-1}: x_{b+j} = (y_{b+j} + y_{b+j+h})/2, x_{b+j+h} = (y_{b+j} − y_{b+j+h})·ζ̄_j/2
 * (h = len/2).
 */
export function encodeStage(slots: number, len: number, space: number): ComplexDiagonals {
  checkStage(slots, len, space);
  const half = len / 2;
  const w = stageTwiddles(len);
  const map: ComplexDiagonals = new Map();
  const d0 = entry(map, 0, space);
  const up = entry(map, half, space);
  const down = entry(map, -half, space);
  for (let i = 0; i < space; i++) {
    const j = i % len;
    if (j < half) {
      d0.re[i] = 0.5;
      up.re[i] = up.re[i]! + 0.5;
    } else {
      // conj(ζ)/2 on y_{i−h}, −conj(ζ)/2 on y_i
      const cr = w.re[j - half]! / 2;
      const ci = -w.im[j - half]! / 2;
      down.re[i] = down.re[i]! + cr;
      down.im[i] = down.im[i]! + ci;
      d0.re[i] = -cr;
      d0.im[i] = -ci;
    }
  }
  return map;
}

function checkStage(slots: number, len: number, space: number): void {
  checkPowerOfTwo(slots, 'slot count');
  checkPowerOfTwo(len, 'stage length');
  if (len < 2 || len > slots) throw new RangeError(`stage length must be in [2, ${slots}], got ${len}`);
  if (space !== slots && space !== 2 * slots) throw new RangeError(`space must be ${slots} or ${2 * slots}, got ${space}`);
}

/** The product A·B (B applied first): diagonal k_a + k_b receives d^A_{k_a} ⊙ rot(d^B_{k_b}, k_a). */
export function multiplyDiagonals(a: ComplexDiagonals, b: ComplexDiagonals, space: number): ComplexDiagonals {
  const out: ComplexDiagonals = new Map();
  for (const [ka, da] of a) {
    for (const [kb, db] of b) {
      const acc = entry(out, ka + kb, space);
      for (let i = 0; i < space; i++) {
        const r = (i + ka) % space;
        const xr = da.re[i]!, xi = da.im[i]!, yr = db.re[r]!, yi = db.im[r]!;
        acc.re[i] = acc.re[i]! + xr * yr - xi * yi;
        acc.im[i] = acc.im[i]! + xr * yi + xi * yr;
      }
    }
  }
  for (const [k, d] of out) if (isZero(d)) out.delete(k);
  return out;
}

function isZero(d: ComplexArray): boolean {
  for (let i = 0; i < d.re.length; i++) if (d.re[i] !== 0 || d.im[i] !== 0) return false;
  return true;
}

/** Diag(c)·M: row i of M multiplied by c_i (an output-side scaling). */
export function scaleRows(m: ComplexDiagonals, c: ComplexArray): ComplexDiagonals {
  const out: ComplexDiagonals = new Map();
  for (const [k, d] of m) {
    const e = zeros(d.re.length);
    for (let i = 0; i < e.re.length; i++) {
      e.re[i] = d.re[i]! * c.re[i]! - d.im[i]! * c.im[i]!;
      e.im[i] = d.re[i]! * c.im[i]! + d.im[i]! * c.re[i]!;
    }
    if (!isZero(e)) out.set(k, e);
  }
  return out;
}

/** M·Diag(c): column j of M multiplied by c_j (an input-side scaling): d_k[i] ← d_k[i]·c_{i+k}. */
export function scaleColumns(m: ComplexDiagonals, c: ComplexArray): ComplexDiagonals {
  const out: ComplexDiagonals = new Map();
  for (const [k, d] of m) {
    const space = d.re.length;
    const e = zeros(space);
    for (let i = 0; i < space; i++) {
      const j = (i + k) % space;
      e.re[i] = d.re[i]! * c.re[j]! - d.im[i]! * c.im[j]!;
      e.im[i] = d.re[i]! * c.im[j]! + d.im[i]! * c.re[j]!;
    }
    if (!isZero(e)) out.set(k, e);
  }
  return out;
}

/** Every diagonal times the complex constant c. */
export function scaleDiagonals(m: ComplexDiagonals, c: Complex): ComplexDiagonals {
  const space = m.values().next().value?.re.length ?? 0;
  const v = zeros(space);
  v.re.fill(c.re);
  v.im.fill(c.im);
  return scaleRows(m, v);
}

/**
 * How `stages` radix-2 stages are merged into `levels` groups: sizes as equal as possible, the larger groups where
 * the stages have the larger rotations (first for CoeffsToSlots, last for SlotsToCoeffs), as Lattigo does: a group
 * whose smallest rotation is large has fewer distinct key steps per diagonal.
 */
export function groupSizes(stages: number, levels: number, kind: 'encode' | 'decode'): number[] {
  if (!Number.isInteger(levels) || levels < 1 || levels > stages) throw new RangeError(`levels must be in [1, ${stages}], got ${levels}`);
  const sizes: number[] = [];
  let left = stages;
  for (let i = 0; i < levels; i++) {
    const s = Math.ceil(left / (levels - i));
    sizes.push(s);
    left -= s;
  }
  return kind === 'encode' ? sizes : sizes.reverse();
}

/** Options of the factorised transforms. */
export interface DftOptions {
  /** Number of message slots n (a power of two ≥ 2). */
  slots: number;
  /** Levels (number of merged matrices, each one rescale), 1 … log2(n). */
  levels: number;
  /**
   * 'standard': acts on n slots. 'repack' (n < N/2 only): acts on 2n slots; CoeffsToSlots leaves [w, −i·w] so that
   * x + conj(x) = [2·Re w, 2·Im w], and SlotsToCoeffs starts from [Re w, Im w] (see the header).
   */
  layout: 'standard' | 'repack';
  /** A real factor folded into the matrices, spread evenly over the levels (default 1). */
  scaling?: number;
  /** SlotsToCoeffs only: an input-side vector folded into the first matrix (x ↦ M·Diag(c)·x), length `space`. */
  inputScaling?: ComplexArray;
}

/** Number of slots the matrices act on: n, or 2n for the repack layout. */
export function dftSpace(options: Pick<DftOptions, 'slots' | 'layout'>): number {
  return options.layout === 'repack' ? 2 * options.slots : options.slots;
}

function checkOptions(o: DftOptions): { logSlots: number; space: number; scaling: number } {
  checkPowerOfTwo(o.slots, 'slot count');
  if (o.slots < 2) throw new RangeError('the homomorphic DFT needs at least 2 slots');
  if (o.layout !== 'standard' && o.layout !== 'repack') throw new RangeError(`layout must be 'standard' or 'repack', got ${String(o.layout)}`);
  const logSlots = Math.log2(o.slots);
  if (!Number.isInteger(o.levels) || o.levels < 1 || o.levels > logSlots) throw new RangeError(`levels must be an integer in [1, ${logSlots}], got ${o.levels}`);
  const scaling = o.scaling ?? 1;
  if (!Number.isFinite(scaling) || scaling === 0) throw new RangeError(`scaling must be finite and non-zero, got ${scaling}`);
  return { logSlots, space: dftSpace(o), scaling };
}

/**
 * CoeffsToSlots as `levels` diagonal matrices, in the order they are applied: together they map the slots
 * z = V·w (replicated over the space) to scaling·R·w (bit-reversed), or for 'repack' to scaling·[R·w, −i·R·w].
 */
export function coeffsToSlotsMatrices(options: DftOptions): DiagonalMatrix[] {
  const { logSlots, space, scaling } = checkOptions(options);
  const n = options.slots;
  const factor = Math.sign(scaling) * Math.abs(scaling) ** (1 / options.levels);
  const groups = groupSizes(logSlots, options.levels, 'encode');
  const out: ComplexDiagonals[] = [];
  let len = n; // E_n is applied first, E_2 last
  for (const size of groups) {
    let m: ComplexDiagonals | undefined;
    for (let s = 0; s < size; s++, len /= 2) {
      const stage = encodeStage(n, len, space);
      m = m === undefined ? stage : multiplyDiagonals(stage, m, space);
    }
    out.push(scaleDiagonals(m!, { re: factor, im: 0 }));
  }
  if (options.layout === 'repack') {
    const c = zeros(space);
    for (let i = 0; i < space; i++) {
      if (i < n) c.re[i] = 1;
      else c.im[i] = -1;
    }
    out[out.length - 1] = scaleRows(out[out.length - 1]!, c);
  }
  return out.map((m) => ({ slots: space, diagonals: m }));
}

/**
 * SlotsToCoeffs as `levels` diagonal matrices, in the order they are applied: they map scaling·R·w (bit-reversed,
 * replicated over the space) to V·w; for 'repack' the input is [Re R·w, Im R·w] and the output [V·w, V·w].
 */
export function slotsToCoeffsMatrices(options: DftOptions): DiagonalMatrix[] {
  const { logSlots, space, scaling } = checkOptions(options);
  const n = options.slots;
  const factor = Math.sign(scaling) * Math.abs(scaling) ** (1 / options.levels);
  const groups = groupSizes(logSlots, options.levels, 'decode');
  const out: ComplexDiagonals[] = [];
  let len = 2; // D_2 first, D_n last
  for (const size of groups) {
    let m: ComplexDiagonals | undefined;
    if (out.length === 0 && options.layout === 'repack') m = repackMatrix(n);
    if (out.length === 0 && options.inputScaling !== undefined) {
      if (options.inputScaling.re.length !== space || options.inputScaling.im.length !== space) throw new RangeError(`inputScaling must have length ${space}`);
      m = m === undefined ? scaleColumns(identity(space), options.inputScaling) : scaleColumns(m, options.inputScaling);
    }
    for (let s = 0; s < size; s++, len *= 2) {
      const stage = decodeStage(n, len, space);
      m = m === undefined ? stage : multiplyDiagonals(stage, m, space);
    }
    out.push(scaleDiagonals(m!, { re: factor, im: 0 }));
  }
  return out.map((m) => ({ slots: space, diagonals: m }));
}

function identity(space: number): ComplexDiagonals {
  const d = zeros(space);
  d.re.fill(1);
  return new Map([[0, d]]);
}

/** [a, b] → [a + i·b, a + i·b] on 2n slots. */
export function repackMatrix(slots: number): ComplexDiagonals {
  const space = 2 * slots;
  const d0 = zeros(space);
  const dn = zeros(space);
  for (let i = 0; i < slots; i++) {
    d0.re[i] = 1;
    dn.im[i] = 1;
    d0.im[i + slots] = 1;
    dn.re[i + slots] = 1;
  }
  return new Map([[0, d0], [slots, dn]]);
}

// ---------------------------------------------------------------------------------------------------------------
// float64 references (tests, and the per-stage checks of the homomorphic evaluation)

/** y = Σ_k d_k ⊙ rot(x, k) (rot to the left: rot(x, k)_i = x_{(i+k) mod space}). */
export function applyComplexDiagonals(m: DiagonalMatrix, x: ComplexArray): ComplexArray {
  const space = m.slots;
  if (x.re.length !== space || x.im.length !== space) throw new RangeError(`vector length ${x.re.length} ≠ ${space} slots`);
  const y = zeros(space);
  for (const [k, d] of m.diagonals) {
    const dr = d instanceof Float64Array ? d : d.re;
    const di = d instanceof Float64Array ? undefined : d.im;
    for (let i = 0; i < space; i++) {
      const j = (i + k) % space;
      const a = dr[i]!, b = di?.[i] ?? 0, c = x.re[j]!, e = x.im[j]!;
      y.re[i] = y.re[i]! + a * c - b * e;
      y.im[i] = y.im[i]! + a * e + b * c;
    }
  }
  return y;
}

/** Bit-reversal permutation of a vector whose length is a power of two (a copy). */
export function bitReversed(x: ComplexArray): ComplexArray {
  const n = x.re.length;
  checkPowerOfTwo(n, 'vector length');
  const bits = Math.log2(n);
  const y = zeros(n);
  for (let i = 0; i < n; i++) {
    let r = 0;
    for (let b = 0, v = i; b < bits; b++, v >>= 1) r = (r << 1) | (v & 1);
    y.re[r] = x.re[i]!;
    y.im[r] = x.im[i]!;
  }
  return y;
}

/** z = V·w by the definition, O(n²): z_j = Σ_k w_k·ξ^{k·(5^j mod 4n)} (the reference for the factorisation). */
export function decodeDirect(w: ComplexArray): ComplexArray {
  const n = w.re.length;
  const m = 4 * n;
  const z = zeros(n);
  let g = 1;
  for (let j = 0; j < n; j++) {
    let sr = 0;
    let si = 0;
    for (let k = 0; k < n; k++) {
      const angle = (2 * Math.PI * ((k * g) % m)) / m;
      const c = Math.cos(angle);
      const s = Math.sin(angle);
      sr += w.re[k]! * c - w.im[k]! * s;
      si += w.re[k]! * s + w.im[k]! * c;
    }
    z.re[j] = sr;
    z.im[j] = si;
    g = (g * 5) % m;
  }
  return z;
}
