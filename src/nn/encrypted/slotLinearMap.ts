/**
 * A linear map between packed slot vectors — several input ciphertexts to several output ciphertexts — as
 * generalised diagonals (Halevi–Shoup 2014): y_m[s] = Σ_c Σ_k d_{m,c,k}[s] · x_c[s + k], then optional
 * rotate-and-add "fold" steps and a bias. Convolutions, the pooling gather and the fusion layer of the
 * encrypted CryptoFaceNet are all built as such maps (the float64 side here; `encryptedLinearMap.ts` evaluates
 * them homomorphically with baby-step/giant-step hoisting).
 *
 * Offsets are signed rotation amounts. Input c's slot vector is periodic with period T_c (its replicas), so an
 * offset only matters modulo T_c; the builder picks the representative in [−T_c/2, T_c/2). When an output is
 * smaller than an input (a stride-2 convolution, a period T_out < T_c), the map is evaluated in "windows": the
 * term is placed in window w (slot s + w·T_out) with an offset in [−T_out/2, T_out/2), and the windows are summed
 * (and the result replicated) by rotate-and-add over T_out, 2·T_out, … (the `fold`) — one diagonal then carries
 * the terms of T_c/T_out offsets (Juvekar et al. 2018's hybrid method for rectangular matrices).
 *
 * Diagonals may be complex (`imaginary`), for inputs that pack two real ciphertexts as x_0 + i·x_1; the output
 * mode then takes real parts: 'real' gives y = acc + conj(acc) = 2·Re(acc), 'realImag' gives the two real outputs
 * 2·Re(acc), 2·Im(acc) = −i·(acc − conj(acc)) of one accumulator (one conjugation each).
 *
 * Planning (`planMap`): every offset k = g + b with g a multiple of the baby stride n1 and 0 ≤ b < n1; the baby
 * rotations of each input share one key-switching decomposition (hoisted), the giant rotations of each output
 * rotate sums over all inputs. The stride minimises (#babies over inputs) + w·(#giants over outputs).
 */

/** How the accumulators become outputs: as they are, 2·Re, or 2·Re and 2·Im (see the file comment). */
export type OutputMode = 'plain' | 'real' | 'realImag';

/** Number of results of a map with `accumulators` accumulators in `mode`. */
export function resultCount(accumulators: number, mode: OutputMode): number {
  return mode === 'realImag' ? 2 * accumulators : accumulators;
}

/** The float64 definition of a packed linear map. */
export interface SlotLinearMap {
  readonly slots: number;
  /** Period of each input's slot vector. */
  readonly inputPeriods: readonly number[];
  /** Number of accumulators (outputs before the output mode). */
  readonly outputs: number;
  /** diagonals[m][c]: signed offset k → d (length `slots`), real parts. */
  readonly diagonals: readonly (readonly ReadonlyMap<number, Float64Array>[])[];
  /** Imaginary parts of complex diagonals (keys ⊆ those of `diagonals`), when any. */
  readonly imaginary?: readonly (readonly ReadonlyMap<number, Float64Array>[])[];
  readonly outputMode: OutputMode;
  /** Rotate-and-add steps applied to every result after the products, in order. */
  readonly fold: readonly number[];
  /** Per result: a vector added after the fold (or undefined). */
  readonly bias: readonly (Float64Array | undefined)[];
  /**
   * Optional structure of the offsets: every offset is base + Σ_i e_i·generators[i] (e_i ∈ {0, 1}) modulo its
   * input's period (e.g. a gather that moves a few slot bits). The planner then also tries baby sets spanned by a
   * subset of the generators and giant sets spanned by the rest.
   */
  readonly hint?: { readonly base: number; readonly generators: readonly number[] };
}

interface EntryCache {
  row: Map<number, Float64Array> | undefined;
  k: number;
  d: Float64Array | undefined;
}

/** Collects (output slot, input slot, weight) terms into diagonals. */
export class SlotMapBuilder {
  private readonly diagonals: Map<number, Float64Array>[][];
  private imaginary: Map<number, Float64Array>[][] | undefined;
  private readonly biases: (Float64Array | undefined)[];
  /** Output period: terms of inputs with a longer period go to windows and are folded. */
  readonly outputPeriod: number;
  readonly fold: number[];
  private readonly windows: boolean;

  constructor(
    readonly slots: number,
    readonly inputPeriods: readonly number[],
    readonly outputs: number,
    outputPeriod: number,
    readonly outputMode: OutputMode = 'plain',
  ) {
    for (const T of [...inputPeriods, outputPeriod]) {
      if (!Number.isInteger(T) || T < 1 || (T & (T - 1)) !== 0 || slots % T !== 0) throw new RangeError(`SlotMapBuilder: period ${T} must be a power of two dividing ${slots}`);
    }
    this.outputPeriod = outputPeriod;
    this.diagonals = Array.from({ length: outputs }, () => inputPeriods.map(() => new Map<number, Float64Array>()));
    this.biases = new Array<Float64Array | undefined>(resultCount(outputs, outputMode)).fill(undefined);
    // windows are needed when some input is longer than the output: fold them, which also replicates the output
    this.windows = inputPeriods.some((T) => T > outputPeriod);
    this.fold = [];
    if (this.windows) for (let t = outputPeriod; t < slots; t *= 2) this.fold.push(t);
  }

  /** True when terms are placed in windows and folded (see the file comment). */
  get windowed(): boolean {
    return this.windows;
  }

  /**
   * Adds (re + i·im)·x_c[inSlot] to accumulator m at `outSlot` (a base-period output slot, < outputPeriod); the term
   * is repeated in every output replica (or placed in its window when folding).
   */
  add(m: number, c: number, outSlot: number, inSlot: number, re: number, im = 0): void {
    if (re === 0 && im === 0) return;
    const T = this.inputPeriods[c];
    const row = this.diagonals[m]?.[c];
    if (T === undefined || row === undefined) throw new RangeError(`SlotMapBuilder.add: no output ${m} / input ${c}`);
    const To = this.outputPeriod;
    const delta = (((inSlot - outSlot) % T) + T) % T;
    let k: number;
    let first: number;
    let end: number;
    if (this.windowed && T > To) {
      k = ((delta + To / 2) % To) - To / 2;
      const windows = this.slots / To;
      first = outSlot + (((((delta - k) / To) % windows) + windows) % windows) * To;
      end = first + 1;
    } else {
      k = delta >= T / 2 ? delta - T : delta;
      first = outSlot;
      // windowed maps sum the windows afterwards: the term goes to window 0 only
      end = this.windowed ? outSlot + 1 : this.slots;
    }
    const d = this.entry(row, k, this.realCache);
    if (re !== 0) for (let r = first; r < end; r += To) d[r] = d[r]! + re;
    if (im !== 0) {
      this.imaginary ??= this.diagonals.map((rows) => rows.map(() => new Map<number, Float64Array>()));
      const e = this.entry(this.imaginary[m]![c]!, k, this.imagCache);
      for (let r = first; r < end; r += To) e[r] = e[r]! + im;
    }
  }

  /** Replaces the fold steps (maps that sum or replicate their own way, e.g. the fusion layer). */
  setFold(steps: readonly number[]): void {
    this.fold.length = 0;
    this.fold.push(...steps);
  }

  /** Adds `vector` (full length, already replicated as the output needs) to output m's bias. */
  addBias(m: number, vector: Float64Array): void {
    if (vector.length !== this.slots) throw new RangeError('addBias: the bias must have one value per slot');
    const b = this.biases[m] ?? new Float64Array(this.slots);
    for (let i = 0; i < this.slots; i++) b[i] = b[i]! + vector[i]!;
    this.biases[m] = b;
  }

  private readonly realCache: EntryCache = { row: undefined, k: 0, d: undefined };
  private readonly imagCache: EntryCache = { row: undefined, k: 0, d: undefined };

  private entry(row: Map<number, Float64Array>, k: number, cache: EntryCache): Float64Array {
    if (row === cache.row && k === cache.k && cache.d !== undefined) return cache.d;
    let d = row.get(k);
    if (d === undefined) {
      d = new Float64Array(this.slots);
      row.set(k, d);
    }
    cache.row = row;
    cache.k = k;
    cache.d = d;
    return d;
  }

  private hint: SlotLinearMap['hint'];

  /** Declares the offsets' structure (see `SlotLinearMap.hint`). */
  setHint(base: number, generators: readonly number[]): void {
    this.hint = { base, generators: [...generators] };
  }

  build(): SlotLinearMap {
    if (this.imaginary !== undefined) {
      // every complex diagonal has a real part (possibly zero) so that the key sets agree
      this.imaginary.forEach((rows, m) => rows.forEach((im, c) => {
        for (const k of im.keys()) if (!this.diagonals[m]![c]!.has(k)) this.diagonals[m]![c]!.set(k, new Float64Array(this.slots));
      }));
    }
    return {
      slots: this.slots, inputPeriods: [...this.inputPeriods], outputs: this.outputs, diagonals: this.diagonals, outputMode: this.outputMode,
      fold: [...this.fold], bias: [...this.biases],
      ...(this.imaginary === undefined ? {} : { imaginary: this.imaginary }),
      ...(this.hint === undefined ? {} : { hint: this.hint }),
    };
  }
}

/** Left rotation of a slot vector: out[s] = x[(s + k) mod n]. */
export function rotateSlots(x: Float64Array, k: number): Float64Array {
  const n = x.length;
  const r = ((k % n) + n) % n;
  const out = new Float64Array(n);
  out.set(x.subarray(r), 0);
  out.set(x.subarray(0, r), n - r);
  return out;
}

/** x + rot(x, s) for every fold step s, in order. */
export function foldPlain(x: Float64Array, steps: readonly number[]): Float64Array {
  let acc = x;
  for (const s of steps) {
    const r = rotateSlots(acc, s);
    const next = new Float64Array(acc.length);
    for (let i = 0; i < next.length; i++) next[i] = acc[i]! + r[i]!;
    acc = next;
  }
  return acc;
}

/** A complex slot vector. */
export interface ComplexSlotVector {
  readonly re: Float64Array;
  readonly im: Float64Array;
}

/**
 * The map applied in float64 to slot vectors, real or complex (x_0 + i·x_1 for a packed pair): the reference for
 * the homomorphic evaluation. Results are real: in 'plain' mode the real parts of the accumulators.
 */
export function applyMapPlain(map: SlotLinearMap, inputs: readonly (Float64Array | ComplexSlotVector)[]): Float64Array[] {
  if (inputs.length !== map.inputPeriods.length) throw new RangeError(`applyMapPlain: ${inputs.length} inputs, map takes ${map.inputPeriods.length}`);
  const n = map.slots;
  const zero = new Float64Array(n);
  const results: Float64Array[] = [];
  map.diagonals.forEach((row, m) => {
    const yr = new Float64Array(n);
    const yi = new Float64Array(n);
    row.forEach((diags, c) => {
      const x = inputs[c]!;
      const xr = x instanceof Float64Array ? x : x.re;
      const xi = x instanceof Float64Array ? zero : x.im;
      for (const [k, dr] of diags) {
        const di = map.imaginary?.[m]?.[c]?.get(k) ?? zero;
        for (let s = 0; s < n; s++) {
          const a = dr[s]!;
          const b = di[s]!;
          if (a === 0 && b === 0) continue;
          const j = (((s + k) % n) + n) % n;
          yr[s] = yr[s]! + a * xr[j]! - b * xi[j]!;
          yi[s] = yi[s]! + a * xi[j]! + b * xr[j]!;
        }
      }
    });
    if (map.outputMode === 'plain') results.push(yr);
    else results.push(yr.map((v) => 2 * v));
    if (map.outputMode === 'realImag') results.push(yi.map((v) => 2 * v));
  });
  return results.map((y, r) => {
    const folded = foldPlain(y, map.fold);
    const b = map.bias[r];
    if (b !== undefined) for (let s = 0; s < n; s++) folded[s] = folded[s]! + b[s]!;
    return folded;
  });
}

/** Number of (output, input, offset) diagonals: the plaintexts the map needs. */
export function diagonalCount(map: SlotLinearMap): number {
  let count = 0;
  for (const row of map.diagonals) for (const d of row) count += d.size;
  return count;
}

/** How a map's offsets are split into baby and giant rotations. */
export interface MapPlan {
  readonly slots: number;
  /** How the split was found: 'stride n1' (k = g + b, g a multiple of n1, 0 ≤ b < n1) or 'generators'. */
  readonly method: string;
  /** Per input: the non-zero baby rotations (hoisted on that input). */
  readonly babies: readonly (readonly number[])[];
  /** Per output: the non-zero giant rotations. */
  readonly giants: readonly (readonly number[])[];
  /** Per input: offset k → [giant g, baby b] with g + b ≡ k modulo the input's period. */
  readonly splits: readonly ReadonlyMap<number, readonly [number, number]>[];
  readonly fold: readonly number[];
}

/** [giant, baby] with k = giant + baby, giant a multiple of n1, 0 ≤ baby < n1. */
export function splitOffset(k: number, n1: number): [number, number] {
  const g = Math.floor(k / n1) * n1;
  return [g, k - g];
}

/** Builds a plan from a split function (undefined: this split cannot express the offset). */
function planFrom(map: SlotLinearMap, method: string, split: (c: number, k: number) => readonly [number, number] | undefined): MapPlan | undefined {
  const babies = map.inputPeriods.map(() => new Set<number>());
  const giants = map.diagonals.map(() => new Set<number>());
  const splits = map.inputPeriods.map(() => new Map<number, readonly [number, number]>());
  for (let m = 0; m < map.diagonals.length; m++) {
    const row = map.diagonals[m]!;
    for (let c = 0; c < row.length; c++) {
      for (const k of row[c]!.keys()) {
        const gb = splits[c]!.get(k) ?? split(c, k);
        if (gb === undefined) return undefined;
        splits[c]!.set(k, gb);
        if (gb[1] !== 0) babies[c]!.add(gb[1]);
        if (gb[0] !== 0) giants[m]!.add(gb[0]);
      }
    }
  }
  const sorted = (x: Set<number>) => [...x].sort((a, b) => a - b);
  return { slots: map.slots, method, babies: babies.map(sorted), giants: giants.map(sorted), splits, fold: map.fold };
}

/** Subset sums Σ_{i ∈ S} e_i·gens[i] over all e ∈ {0,1}^S. */
function subsetSums(gens: readonly number[]): number[] {
  let sums = [0];
  for (const g of gens) sums = [...sums, ...sums.map((x) => x + g)];
  return sums;
}

/** Plans with babies spanned by the generators in `babyMask` and giants by base + the others. */
function planWithGenerators(map: SlotLinearMap, babyMask: number): MapPlan | undefined {
  const hint = map.hint!;
  const B = subsetSums(hint.generators.filter((_, i) => (babyMask >> i) & 1));
  const G = subsetSums(hint.generators.filter((_, i) => !((babyMask >> i) & 1))).map((x) => x + hint.base);
  return planFrom(map, `generators ${babyMask.toString(2)}`, (c, k) => {
    const T = map.inputPeriods[c]!;
    const mod = (x: number) => ((x % T) + T) % T;
    const giantByResidue = new Map(G.map((g) => [mod(g), g] as const));
    for (const b of B) {
      const g = giantByResidue.get(mod(k - b));
      if (g !== undefined) return [g, b] as const;
    }
    return undefined;
  });
}

/** Options of {@link planMap}. */
export interface PlanOptions {
  /** Force a baby stride (a power of two). */
  readonly babyStride?: number;
  /** Cost of a giant rotation relative to a hoisted baby rotation (default 2). */
  readonly giantCost?: number;
}

/**
 * The split minimising Σ|babies| + giantCost·Σ|giants| (ties: fewer key switches, then fewer giants) over
 * power-of-two baby strides and, when the map has a hint, over baby/giant partitions of its generators.
 */
export function planMap(map: SlotLinearMap, options: PlanOptions = {}): MapPlan {
  const byStride = (n1: number) => planFrom(map, `stride ${n1}`, (_c, k) => splitOffset(k, n1))!;
  if (options.babyStride !== undefined) return byStride(options.babyStride);
  const w = options.giantCost ?? 2;
  const candidates: MapPlan[] = [];
  for (let n1 = 1; n1 <= map.slots; n1 *= 2) candidates.push(byStride(n1));
  const r = map.hint?.generators.length ?? 0;
  if (r > 0 && r <= 10) {
    for (let mask = 0; mask < 1 << r; mask++) {
      const p = planWithGenerators(map, mask);
      if (p !== undefined) candidates.push(p);
    }
  }
  let best: MapPlan | undefined;
  let bestKey: [number, number, number] = [Infinity, Infinity, Infinity];
  for (const p of candidates) {
    const nb = p.babies.reduce((a, b) => a + b.length, 0);
    const ng = p.giants.reduce((a, b) => a + b.length, 0);
    const key: [number, number, number] = [nb + w * ng, nb + ng, ng];
    if (key[0] < bestKey[0] || (key[0] === bestKey[0] && (key[1] < bestKey[1] || (key[1] === bestKey[1] && key[2] < bestKey[2])))) {
      best = p;
      bestKey = key;
    }
  }
  return best!;
}

/**
 * Key switches of one evaluation: hoisted babies, giants, one conjugation per accumulator in the 'real' and
 * 'realImag' modes, and the fold rotations of every result.
 */
export function planKeySwitches(plan: MapPlan, mode: OutputMode = 'plain'): number {
  const accumulators = plan.giants.length;
  return plan.babies.reduce((a, b) => a + b.length, 0) + plan.giants.reduce((a, b) => a + b.length, 0)
    + (mode === 'plain' ? 0 : accumulators) + plan.fold.length * resultCount(accumulators, mode);
}

/** Rotation amounts normalised to [0, slots). */
export function normalizeStep(k: number, slots: number): number {
  return ((k % slots) + slots) % slots;
}

/** The distinct rotation steps (normalised, non-zero) a plan uses: exactly the Galois keys it needs. */
export function planRotationSteps(plan: MapPlan): number[] {
  const steps = new Set<number>();
  for (const list of [...plan.babies, ...plan.giants, plan.fold]) for (const k of list) {
    const s = normalizeStep(k, plan.slots);
    if (s !== 0) steps.add(s);
  }
  return [...steps].sort((a, b) => a - b);
}
