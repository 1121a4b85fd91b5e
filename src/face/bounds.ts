/**
 * Activation bounds of a CryptoFaceNet over a set of inputs, for the encrypted evaluation (docs/face-model.md
 * §4 "bounds"). CKKS bootstrapping refreshes a value correctly only inside the interval it was built for
 * (reference §5.10–5.11: one bootstrap per patch network, between the 4th and 5th HerPNConv blocks, after
 * dividing by B), and the degree-2 normalisation polynomial (§2.6) approximates 1/√s only near its fitted
 * range of s = ‖y‖². A {@link BoundsMeter} records, over every patch of every observed input:
 *  * the max |value| at the bootstrap point: the output of block 3 = the input of block 4 (0-based blocks);
 *  * the max |value| at every HerPN input: block j's HerPN1 reads the block input (the stem output for j = 0),
 *    its HerPN2 reads conv1's output, the pool HerPN reads block 4's output;
 *  * the fraction of s = ‖y‖² inside the polynomial's fitted range [stats.min, stats.max].
 * `parseBounds` validates the optional manifest field written from these figures.
 */
import type { Tensor3 } from '../nn/index.js';
import { FaceModelError } from './errors.js';
import { embedInput } from './model.js';
import { squaredNorm } from './normalize.js';
import type { CfnetWeights } from './weights.js';

/** Names of the eleven HerPN inputs of a patch network, in network order. */
export const HERPN_POINTS: readonly string[] = [
  'block0.herpn1', 'block0.herpn2', 'block1.herpn1', 'block1.herpn2', 'block2.herpn1', 'block2.herpn2',
  'block3.herpn1', 'block3.herpn2', 'block4.herpn1', 'block4.herpn2', 'pool',
];

/** The HerPN input that is also the bootstrap point (block 4's input = block 3's output). */
export const BOOTSTRAP_POINT = 'block4.herpn1';

/** Measured activation bounds (the manifest's optional `bounds` field). */
export interface ActivationBounds {
  /** What the figures were measured on (free text, e.g. the data set and splits). */
  readonly inputs: string;
  /** Number of inputs (faces) observed. */
  readonly count: number;
  /** max |value| at the bootstrap point over all patches and inputs. */
  readonly bootstrapMaxAbs: number;
  /** max |value| at each HerPN input ({@link HERPN_POINTS}) over all patches and inputs. */
  readonly herpnMaxAbs: Readonly<Record<string, number>>;
  /** The normalisation polynomial's fitted range of s = ‖y‖² ([stats.min, stats.max] of the manifest). */
  readonly normRange: readonly [number, number];
  /** Fraction of the observed s inside normRange (inclusive). */
  readonly normInRange: number;
  /** Smallest and largest observed s. */
  readonly normMin: number;
  readonly normMax: number;
}

/** max |v_i|; +∞ if any value is not finite (such an input cannot be certified). */
function maxAbs(v: Float64Array): number {
  let m = 0;
  for (let i = 0; i < v.length; i++) {
    const a = Math.abs(v[i]!);
    if (!(a <= m)) m = Number.isFinite(a) ? a : Number.POSITIVE_INFINITY;
  }
  return m;
}

/** Which HerPN input a traced tensor is (trace names of `embedInput`), or undefined. */
function herpnPointOf(name: string): string | undefined {
  if (name === 'stem') return 'block0.herpn1';
  if (name === 'block4') return 'pool';
  const out = /^block([0-3])$/.exec(name);
  if (out) return `block${Number(out[1]) + 1}.herpn1`;
  const conv = /^block([0-4])\.conv1$/.exec(name);
  if (conv) return `block${conv[1]}.herpn2`;
  return undefined;
}

/** Accumulates {@link ActivationBounds} over inputs run through the float64 forward pass. */
export class BoundsMeter {
  private readonly herpn = new Map<string, number>(HERPN_POINTS.map((k) => [k, 0]));
  private count = 0;
  private inRange = 0;
  private normMin = Number.POSITIVE_INFINITY;
  private normMax = Number.NEGATIVE_INFINITY;
  private readonly range: readonly [number, number];

  constructor(private readonly weights: CfnetWeights) {
    const { min, max } = weights.normalization.stats;
    this.range = [min, max];
  }

  /** Runs one preprocessed input (3×S×S) and records it; returns its un-normalised embedding y. */
  observe(x: Tensor3): Float64Array {
    const y = embedInput(this.weights, x, (_patch, name, v) => {
      const point = herpnPointOf(name);
      if (point === undefined) return;
      const m = maxAbs(v instanceof Float64Array ? v : v.data);
      if (m > this.herpn.get(point)!) this.herpn.set(point, m);
    });
    this.record(squaredNorm(y));
    return y;
  }

  /** Records s = ‖y‖² (a non-finite s counts as out of range and makes normMax +∞). */
  private record(s: number): void {
    this.count++;
    if (s >= this.range[0] && s <= this.range[1]) this.inRange++;
    if (!Number.isFinite(s)) {
      this.normMax = Number.POSITIVE_INFINITY;
      return;
    }
    this.normMin = Math.min(this.normMin, s);
    this.normMax = Math.max(this.normMax, s);
  }

  /** The bounds so far; `inputs` describes what was observed. */
  result(inputs: string): ActivationBounds {
    if (this.count === 0) throw new RangeError('BoundsMeter.result: no input observed');
    const herpnMaxAbs = Object.fromEntries(HERPN_POINTS.map((k) => [k, this.herpn.get(k)!]));
    return {
      inputs, count: this.count, bootstrapMaxAbs: this.herpn.get(BOOTSTRAP_POINT)!, herpnMaxAbs,
      normRange: this.range, normInRange: this.inRange / this.count, normMin: this.normMin, normMax: this.normMax,
    };
  }
}

/** The bounds of the union of two disjoint input sets measured against the same fitted range. */
export function mergeBounds(a: ActivationBounds, b: ActivationBounds, inputs: string): ActivationBounds {
  if (a.normRange[0] !== b.normRange[0] || a.normRange[1] !== b.normRange[1]) throw new RangeError('mergeBounds: different normalisation ranges');
  const herpnMaxAbs = Object.fromEntries(HERPN_POINTS.map((k) => [k, Math.max(a.herpnMaxAbs[k]!, b.herpnMaxAbs[k]!)]));
  const count = a.count + b.count;
  return {
    inputs, count, bootstrapMaxAbs: herpnMaxAbs[BOOTSTRAP_POINT]!, herpnMaxAbs, normRange: a.normRange,
    normInRange: (a.normInRange * a.count + b.normInRange * b.count) / count,
    normMin: Math.min(a.normMin, b.normMin), normMax: Math.max(a.normMax, b.normMax),
  };
}

const corrupt = (m: string): FaceModelError => new FaceModelError('CORRUPT_WEIGHTS', `manifest.bounds: ${m}`);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function nonNegative(obj: Record<string, unknown>, key: string): number {
  const v = obj[key];
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw corrupt(`${key} must be a finite number ≥ 0`);
  return v;
}

/**
 * Validates the manifest's `bounds` field: every number finite and ≥ 0, exactly the eleven HerPN points,
 * bootstrapMaxAbs equal to the bootstrap point's entry, a positive integer count, 0 ≤ normInRange ≤ 1,
 * normRange [lo, hi] with lo ≤ hi and normMin ≤ normMax. Failures are CORRUPT_WEIGHTS.
 */
export function parseBounds(v: unknown): ActivationBounds {
  if (!isRecord(v)) throw corrupt('must be an object');
  const inputs = v['inputs'];
  if (typeof inputs !== 'string') throw corrupt('inputs must be a string');
  const count = v['count'];
  if (!Number.isInteger(count) || (count as number) < 1) throw corrupt('count must be a positive integer');
  const bootstrapMaxAbs = nonNegative(v, 'bootstrapMaxAbs');
  const h = v['herpnMaxAbs'];
  if (!isRecord(h)) throw corrupt('herpnMaxAbs must be an object');
  const keys = Object.keys(h);
  if (keys.length !== HERPN_POINTS.length || !HERPN_POINTS.every((k) => keys.includes(k))) {
    throw corrupt(`herpnMaxAbs must have exactly the keys ${HERPN_POINTS.join(', ')}`);
  }
  const herpnMaxAbs = Object.fromEntries(HERPN_POINTS.map((k) => [k, nonNegative(h, k)]));
  if (herpnMaxAbs[BOOTSTRAP_POINT] !== bootstrapMaxAbs) throw corrupt(`bootstrapMaxAbs must equal herpnMaxAbs['${BOOTSTRAP_POINT}']`);
  const r = v['normRange'];
  if (!Array.isArray(r) || r.length !== 2 || !r.every((x) => typeof x === 'number' && Number.isFinite(x)) || (r[0] as number) > (r[1] as number)) {
    throw corrupt('normRange must be [lo, hi] with finite lo ≤ hi');
  }
  const normInRange = nonNegative(v, 'normInRange');
  if (normInRange > 1) throw corrupt('normInRange must be ≤ 1');
  const normMin = nonNegative(v, 'normMin');
  const normMax = nonNegative(v, 'normMax');
  if (normMin > normMax) throw corrupt('normMin must be ≤ normMax');
  return { inputs, count: count as number, bootstrapMaxAbs, herpnMaxAbs, normRange: [r[0] as number, r[1] as number], normInRange, normMin, normMax };
}
