/**
 * Average pooling, per-feature scaling (pool a2, per-patch BatchNorm1d) and the fusion layer y = Σ_p A_p f_p + b
 * of CryptoFaceNet (reference §2.4, §5.8–5.9) on packed slots — the plaintext side of the encrypted twins of
 * `adaptiveAvgPool2d`, `vectorAffine` and `linear`.
 *
 * 1. Window sums: rotate-and-add over the pooling window (log2 steps per axis, no level): the sum of each window
 *    lands on its top-left pixel's slot.
 * 2. Gather (a packed linear map, one level): feature m of patch p moves to slot 2F·p + m (F features per patch),
 *    multiplied by (1/window²)·a2[c]·γ/√(σ²+ε). The feature order m is chosen so that the moved slot bits are
 *    few (see `featureOrder`), which keeps the gather's diagonals (and key switches) few.
 * 3. Doubling and shifted replication (rotate-and-add, no level): each 2F-slot range holds f_p twice, and replica
 *    r (of R = slots/(L'·2F), L' = patch ranges rounded to a power of two) is shifted by r·B slots, B = F/R.
 * 4. Fusion (one level): with baby rotations b < B, slot r·L'·2F + 2F·p + j of the product with P_b holds
 *    A_p[j][(j + b + r·B) mod F]·f_p[(j + b + r·B) mod F]: the R replicas and B babies cover all F inputs of every
 *    row j, so B diagonals hold the whole L·D×F matrix (Halevi–Shoup diagonals packed R·L per plaintext). The
 *    replicas and the patch ranges are then summed by rotate-and-add, which also sums the patches (the fusion's
 *    Σ_p). Output: y_j at slot j < D; when R·L'·2F = slots (CFNet4) the fold is cyclic and y repeats with period 2F. The BatchNorm shifts fold into the bias: b + Σ_p A_p·shift_p.
 */
import type { Matrix } from '../linear.js';
import { nextPow2, patchCount, slotOf, type PackedLayout } from './packedLayout.js';
import { SlotMapBuilder, type SlotLinearMap } from './slotLinearMap.js';

/** How the fusion input and output are arranged. */
export interface FusionArrangement {
  readonly slots: number;
  readonly patches: number;
  /** Patch ranges L' (power of two ≥ patches). */
  readonly ranges: number;
  /** Features per patch (c·outSize²). */
  readonly features: number;
  /** Output rows D (≤ features). */
  readonly rows: number;
  /** Replicas R and babies B, R·B = features. */
  readonly replicas: number;
  readonly babies: number;
  /** feature index m → PyTorch flatten index (c·outSize² + row·outSize + col). */
  readonly order: Int32Array;
  /** Pool window side and output size. */
  readonly window: number;
  readonly outSize: number;
}

/** Rotate-and-add steps summing `window`×`window` pixels of a packed tensor onto each window's top-left pixel. */
export function windowSumSteps(l: PackedLayout, window: number): number[] {
  const steps: number[] = [];
  for (let s = 1; s < window; s *= 2) steps.push(s * l.gap);
  for (let s = 1; s < window; s *= 2) steps.push(s * l.gap * l.rowStride);
  return steps;
}

/** Slot (ciphertext 0 base period) of the window sum of (patch, channel, window row, window col). */
function windowSlot(l: PackedLayout, window: number, p: number, c: number, wy: number, wx: number): number {
  const { ct, slot } = slotOf(l, p, c, wy * window, wx * window);
  return ct * l.period + slot;
}

/**
 * A feature order that keeps slot bits in place: the bits that distinguish patch 0's window sums are listed; those
 * below log2(F) keep their position in m, the others fill the free positions in order. Falls back to slot order
 * when the window sums are not a clean bit pattern.
 */
export function featureOrder(l: PackedLayout, window: number, outSize: number): Int32Array {
  const F = l.channels * outSize * outSize;
  const slots: number[] = [];
  const flat: number[] = [];
  for (let c = 0; c < l.channels; c++) {
    for (let wy = 0; wy < outSize; wy++) {
      for (let wx = 0; wx < outSize; wx++) {
        slots.push(windowSlot(l, window, 0, c, wy, wx));
        flat.push((c * outSize + wy) * outSize + wx);
      }
    }
  }
  const base = Math.min(...slots);
  let varying = 0;
  for (const s of slots) varying |= s ^ base;
  const bits: number[] = [];
  for (let b = 0; b < 31; b++) if ((varying >> b) & 1) bits.push(b);
  const order = new Int32Array(F).fill(-1);
  const logF = Math.log2(F);
  if (Number.isInteger(logF) && bits.length === logF) {
    const target = new Map<number, number>();
    const kept = bits.filter((b) => b < logF);
    kept.forEach((b) => target.set(b, b));
    const free = Array.from({ length: logF }, (_, i) => i).filter((i) => !kept.includes(i));
    bits.filter((b) => b >= logF).forEach((b, i) => target.set(b, free[i]!));
    slots.forEach((s, f) => {
      let m = 0;
      for (const [from, to] of target) if (((s - base) >> from) & 1) m |= 1 << to;
      order[m] = flat[f]!;
    });
    if (!order.includes(-1)) return order;
  }
  const idx = slots.map((s, f) => [s, f] as const).sort((a, b) => a[0] - b[0]);
  idx.forEach(([, f], m) => { order[m] = flat[f]!; });
  return order;
}

/** The fusion arrangement for a pooled layout (stage output before pooling) and D output rows. */
export function fusionArrangement(l: PackedLayout, outSize: number, rows: number): FusionArrangement {
  if (l.side % outSize !== 0) throw new RangeError(`fusion: side ${l.side} is not a multiple of the pooled size ${outSize}`);
  const window = l.side / outSize;
  if ((window & (window - 1)) !== 0) throw new RangeError(`fusion: pooling window ${window} must be a power of two`);
  const F = l.channels * outSize * outSize;
  if ((F & (F - 1)) !== 0) throw new RangeError(`fusion: ${F} features per patch must be a power of two`);
  if (rows > F) throw new RangeError(`fusion: ${rows} rows > ${F} features per patch is not supported`);
  const L = patchCount(l);
  const ranges = nextPow2(L);
  if (ranges * 2 * F > l.slots) throw new RangeError(`fusion: ${ranges}·2·${F} slots do not fit ${l.slots}`);
  const replicas = Math.min(l.slots / (ranges * 2 * F), F);
  return { slots: l.slots, patches: L, ranges, features: F, rows, replicas, babies: F / replicas, order: featureOrder(l, window, outSize), window, outSize };
}

/**
 * The gather map: window sums of the pooled layout `l` (one ciphertext after pooling: only ciphertext 0 is read
 * when the layout has one) → slot 2F·p + m, times scale[p][flat index].
 */
export function gatherMap(l: PackedLayout, a: FusionArrangement, scale: readonly Float64Array[]): SlotLinearMap {
  if (scale.length !== a.patches) throw new RangeError('gatherMap: one scale vector per patch');
  const b = new SlotMapBuilder(l.slots, new Array<number>(l.ciphertexts).fill(l.period), 1, l.slots);
  const o = a.outSize;
  const source = (p: number, m: number) => {
    const f = a.order[m]!;
    return { f, ...slotOf(l, p, Math.floor(f / (o * o)), Math.floor((f % (o * o)) / o) * a.window, (f % o) * a.window) };
  };
  for (let p = 0; p < a.patches; p++) {
    for (let m = 0; m < a.features; m++) {
      const { f, ct, slot } = source(p, m);
      const v = scale[p]![f];
      if (v === undefined) throw new RangeError('gatherMap: one scale per feature');
      b.add(0, ct, 2 * a.features * p + m, slot, v);
    }
  }
  // the offsets source − target are affine in the bits of (p, m) when the layout is a clean bit pattern: hint the
  // planner with one generator per moved bit (a cube of offsets: babies from some bits, giants from the others)
  if (l.ciphertexts === 1) {
    const T = l.period;
    const mod = (x: number) => ((x % T) + T) % T;
    const offset = (p: number, m: number) => mod(source(p, m).slot - (2 * a.features * p + m));
    const base = offset(0, 0);
    const bits: [number, number][] = [];
    for (let j = 1; j < a.features; j *= 2) bits.push([0, j]);
    for (let j = 1; j < a.patches; j *= 2) bits.push([j, 0]);
    const generators = bits.map(([p, m]) => mod(offset(p, m) - base)).map((d) => (d >= T / 2 ? d - T : d));
    let affine = true;
    for (let p = 0; p < a.patches && affine; p++) {
      for (let m = 0; m < a.features && affine; m++) {
        let want = base;
        bits.forEach(([bp, bm], i) => { if ((bp !== 0 && (p & bp)) || (bm !== 0 && (m & bm))) want += generators[i]!; });
        affine = mod(want) === offset(p, m);
      }
    }
    const moving = generators.filter((g) => g !== 0);
    if (affine && moving.length <= 10) b.setHint(base >= T / 2 ? base - T : base, moving);
  }
  return b.build();
}

/** Doubling (−F) then shifted replication (−(W − B)·2^j): the rotate-and-add steps between gather and fusion. */
export function replicationSteps(a: FusionArrangement): number[] {
  const W = a.ranges * 2 * a.features;
  const steps = [-a.features];
  for (let r = 1; r < a.replicas; r *= 2) steps.push(-(W - a.babies) * r);
  return steps;
}

/** The fusion map: Σ_p A_p f_p (A_p: rows × features, PyTorch column order) + bias, output period 2F. */
export function fusionMap(a: FusionArrangement, matrices: readonly Matrix[], bias: Float64Array): SlotLinearMap {
  if (matrices.length !== a.patches) throw new RangeError('fusionMap: one matrix per patch');
  if (bias.length !== a.rows) throw new RangeError('fusionMap: one bias per row');
  const F = a.features;
  const W = a.ranges * 2 * F;
  const b = new SlotMapBuilder(a.slots, [a.slots], 1, a.slots);
  for (let p = 0; p < a.patches; p++) {
    const A = matrices[p]!;
    if (A.rows !== a.rows || A.cols !== F) throw new RangeError(`fusionMap: matrix ${A.rows}×${A.cols}, expected ${a.rows}×${F}`);
    for (let r = 0; r < a.replicas; r++) {
      for (let j = 0; j < a.rows; j++) {
        const out = r * W + 2 * F * p + j;
        for (let t = 0; t < a.babies; t++) {
          const m = (j + t + r * a.babies) % F;
          b.add(0, 0, out, out + t, A.data[j * F + a.order[m]!]!);
        }
      }
    }
  }
  const fold: number[] = [];
  for (let r = 1; r < a.replicas; r *= 2) fold.push(r * W);
  for (let q = 1; q < a.ranges; q *= 2) fold.push(q * 2 * F);
  b.setFold(fold);
  const bv = new Float64Array(a.slots);
  for (let s = 0; s < a.slots; s += 2 * F) bv.set(bias, s);
  b.addBias(0, bv);
  return b.build();
}

/** Reads the fusion output (slots 0 … rows − 1). */
export function readFusion(a: FusionArrangement, slots: ArrayLike<number>): Float64Array {
  return Float64Array.from({ length: a.rows }, (_, j) => slots[j]!);
}
