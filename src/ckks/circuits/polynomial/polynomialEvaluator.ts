/**
 * Homomorphic polynomial evaluation p(ct) in the monomial or the Chebyshev basis at optimal depth ⌈log2(d + 1)⌉,
 * with the output scale exactly the one requested.
 *
 * Algorithm: the baby-step/giant-step (Paterson–Stockmeyer-style) recursion in the Chebyshev basis of
 * J.-P. Bossuat, C. Mouchet, J. Troncoso-Pastoriza, J.-P. Hubaux, "Efficient Bootstrapping for Approximate
 * Homomorphic Encryption with Non-Sparse Keys" (Eurocrypt 2021), §4.1–4.2, building on K. Han and D. Ki, "Better
 * Bootstrapping for Approximate Homomorphic Encryption" (CT-RSA 2020, the modified Paterson–Stockmeyer algorithm in
 * the Chebyshev basis); organised as in Lattigo's polynomial evaluator (ideas only, own code).
 * With baby steps T_1 … T_{2^l − 1} and giant steps T_{2^l}, T_{2^{l+1}}, …, T_{2^{m−1}} (m = ⌈log2(d + 1)⌉):
 *   p = q·T_{2^k} + r,  deg q, deg r < 2^k   (Chebyshev division: T_{2^k}·T_j = (T_{2^k+j} + T_{2^k−j})/2),
 * recursively, until a piece of degree < 2^l is a linear combination of baby steps ("leaf").
 *
 * Scale management (Bossuat et al. 2021 §4.2, "scale-invariant" evaluation): every sub-polynomial is evaluated to
 * a prescribed (level ℓ, scale S), and the prescriptions are propagated top-down so that every addition meets
 * exactly equal scales (our `add` refuses anything else):
 *  - leaf at (ℓ, S): Σ c_i·T_i with c_i encoded at scale S/s_i (s_i the actual scale of T_i), each term pinned to S;
 *    no rescale (that happens once, higher up);
 *  - split at (ℓ, S): the product q·T_{2^k} is formed at (ℓ + 1, S·q_{ℓ+1}) — q evaluated at scale
 *    S·q_{ℓ+1}/s_{2^k}, r evaluated directly into the product at its exact scale — then one rescale by q_{ℓ+1}
 *    lands on (ℓ, S).
 * The leading branch (the output and the quotients q, q′, … along the top) has a target scale ≈ Δ; its leaves
 * are formed one level up at S·q_{ℓ+1} and rescaled, and a leading leaf too deep for its level budget is split
 * once more with a smaller giant step (Lattigo's rule). Every other branch has target scales ≈ Δ·q, so its
 * constants are encoded at ≈ Δ (full precision) and cost no level. Result: depth ⌈log2(d + 1)⌉ exactly.
 *
 * On an interval [a, b] ≠ [−1, 1] the input is first mapped by x ↦ (2x − a − b)/(b − a): free when 2/(b − a) is an
 * integer, one level otherwise (fold the map into an earlier step and pass [−1, 1] to avoid it).
 */
import { CkksError } from '../../errors.js';
import type { Encoder } from '../../scheme/encoder.js';
import type { CircuitEvaluator } from '../../scheme/evaluatorInterface.js';
import { Ciphertext } from '../../scheme/plaintext.js';
import { type RealInterval, checkCoefficients, checkInterval } from './chebyshev.js';
import { pinScale } from '../../scheme/scale.js';
import { type PolynomialBasis, PowerBasis, atLevel, bitLength } from './powerBasis.js';
import { TemporaryTracker } from '../temporaries.js';

/** p(x) = Σ_j a_j·x^j. */
export interface MonomialPolynomial {
  readonly basis: 'monomial';
  readonly coefficients: ArrayLike<number>;
}

/** p(x) = Σ_j c_j·T_j((2x − a − b)/(b − a)) on `interval` = [a, b] (default [−1, 1]). */
export interface ChebyshevPolynomial {
  readonly basis: 'chebyshev';
  readonly coefficients: ArrayLike<number>;
  readonly interval?: RealInterval;
}

/** A polynomial with the same coefficients in every slot. */
export type Polynomial = MonomialPolynomial | ChebyshevPolynomial;

/** A coefficient of a per-slot polynomial: one number for all slots, or a vector (slot i uses entry i; missing slots 0). */
export type SlotCoefficient = number | ArrayLike<number>;

/** A different polynomial in every slot, given degree by degree (e.g. HerPN: [a0 (vector), a1 (vector), 1]). */
export interface PerSlotPolynomial {
  readonly basis: PolynomialBasis;
  readonly coefficients: readonly SlotCoefficient[];
  /** Chebyshev basis only: the common interval [a, b] (default [−1, 1]). */
  readonly interval?: RealInterval;
}

/** Options of `evaluate` / `evaluatePerSlot`. */
export interface PolynomialEvaluationOptions {
  /** Scale of the result (default: the input's scale). The result has exactly this scale. */
  targetScale?: number;
}

/** Coefficient vectors by degree (length 1 each for scalar polynomials, the slot count for per-slot ones). */
type Coeffs = Float64Array[];

function isZero(v: Float64Array): boolean {
  for (let i = 0; i < v.length; i++) if (v[i] !== 0) return false;
  return true;
}

/** The common value if every entry is equal, else undefined. */
function uniform(v: Float64Array): number | undefined {
  const x = v[0]!;
  for (let i = 1; i < v.length; i++) if (v[i] !== x) return undefined;
  return x;
}

/** Highest degree with a non-zero coefficient; −1 for the zero polynomial. */
function degreeOf(p: Coeffs): number {
  for (let j = p.length - 1; j >= 0; j--) if (!isZero(p[j]!)) return j;
  return -1;
}

/** p = q·P_n + r with deg r < n (P_n = x^n or T_n); requires deg p < 2n. */
function divide(p: Coeffs, n: number, basis: PolynomialBasis): [Coeffs, Coeffs] {
  const d = degreeOf(p);
  const q: Coeffs = [];
  for (let j = 0; j <= d - n; j++) q.push(p[n + j]!.map((v) => (basis === 'chebyshev' && j > 0 ? 2 * v : v)));
  const r: Coeffs = p.slice(0, Math.min(n, d + 1)).map((v) => v.slice());
  if (basis === 'chebyshev') {
    // c·T_{n+j} = 2c·T_n·T_j − c·T_{n−j}
    for (let j = 1; j <= d - n; j++) {
      const target = r[n - j]!;
      const src = p[n + j]!;
      for (let i = 0; i < target.length; i++) target[i] = target[i]! - src[i]!;
    }
  }
  return [q, r];
}

function isPlainInterval(interval: RealInterval | undefined): boolean {
  return interval === undefined || (interval[0] === -1 && interval[1] === 1);
}

/** Levels spent on the map [a, b] → [−1, 1]: 0 when 2/(b − a) is an integer (an exact integer product), else 1. */
export function intervalMapDepth(interval: RealInterval | undefined): number {
  if (isPlainInterval(interval)) return 0;
  const [a, b] = checkInterval(interval);
  const alpha = 2 / (b - a);
  return Number.isInteger(alpha) && alpha <= 2 ** 20 ? 0 : 1;
}

/** Baby-step exponent l minimising the product count 2^l + 2^{m−l} + m − l (Bossuat et al. 2021 §4.1). */
export function optimalSplit(logDegree: number): number {
  let best = 1;
  let bestCost = Infinity;
  for (let l = 1; l < Math.max(2, logDegree); l++) {
    const cost = 2 ** l + 2 ** (logDegree - l) + logDegree - l;
    if (cost < bestCost) { bestCost = cost; best = l; }
  }
  return best;
}

function normaliseScalar(polynomial: Polynomial): { basis: PolynomialBasis; coeffs: Coeffs; interval: RealInterval | undefined } {
  if (typeof polynomial !== 'object' || polynomial === null) throw new TypeError('polynomial must be { basis, coefficients }');
  const basis = checkBasis(polynomial.basis);
  const c = checkCoefficients(polynomial.coefficients, 'polynomial.coefficients');
  return { basis, coeffs: Array.from(c, (v) => Float64Array.of(v)), interval: checkPolyInterval(polynomial) };
}

function checkBasis(basis: unknown): PolynomialBasis {
  if (basis !== 'monomial' && basis !== 'chebyshev') throw new TypeError(`basis must be 'monomial' or 'chebyshev', got ${String(basis)}`);
  return basis;
}

function checkPolyInterval(p: { basis: PolynomialBasis; interval?: RealInterval }): RealInterval | undefined {
  if (p.interval === undefined) return undefined;
  if (p.basis === 'monomial') throw new TypeError('a monomial polynomial takes no interval (convert it with monomialToChebyshev(coefficients, interval))');
  return checkInterval(p.interval, 'polynomial.interval');
}

function normalisePerSlot(polynomial: PerSlotPolynomial, slots: number): { basis: PolynomialBasis; coeffs: Coeffs; interval: RealInterval | undefined } {
  if (typeof polynomial !== 'object' || polynomial === null) throw new TypeError('polynomial must be { basis, coefficients }');
  const basis = checkBasis(polynomial.basis);
  const list = polynomial.coefficients;
  if (!Array.isArray(list)) throw new TypeError('polynomial.coefficients must be an array');
  if (list.length === 0) throw new RangeError('polynomial.coefficients must not be empty');
  const coeffs = list.map((c: unknown, j) => {
    const v = new Float64Array(slots);
    if (typeof c === 'number') {
      if (!Number.isFinite(c)) throw new RangeError(`coefficient ${j} is not finite`);
      v.fill(c);
      return v;
    }
    if (typeof c !== 'object' || c === null || typeof (c as ArrayLike<number>).length !== 'number') throw new TypeError(`coefficient ${j} must be a number or a vector`);
    const arr = c as ArrayLike<unknown>;
    if (arr.length > slots) throw new RangeError(`coefficient ${j} has ${arr.length} entries for ${slots} slots`);
    for (let i = 0; i < arr.length; i++) {
      const x = arr[i];
      if (typeof x !== 'number' || !Number.isFinite(x)) throw new RangeError(`coefficient ${j}, slot ${i} is not a finite number`);
      v[i] = x;
    }
    return v;
  });
  return { basis, coeffs, interval: checkPolyInterval({ basis, interval: polynomial.interval }) };
}

/**
 * Levels `evaluate` / `evaluatePerSlot` consume for this polynomial: ⌈log2(d + 1)⌉ for the effective degree d
 * (trailing zero coefficients ignored; 0 for a constant), plus `intervalMapDepth` for a Chebyshev interval.
 */
export function polynomialDepth(polynomial: Polynomial | PerSlotPolynomial): number {
  const { coeffs, interval } = normaliseAny(polynomial);
  const d = degreeOf(coeffs);
  return d < 1 ? 0 : bitLength(d) + intervalMapDepth(interval);
}

/**
 * The effective degree `evaluate` / `evaluatePerSlot` works with (trailing zero coefficients ignored; −1 for the zero
 * polynomial): 2 or more means ciphertext products, so a relinearisation key.
 */
export function polynomialDegree(polynomial: Polynomial | PerSlotPolynomial): number {
  return degreeOf(normaliseAny(polynomial).coeffs);
}

/** A scalar or per-slot polynomial, checked and normalised (per-slot vectors padded to the longest). */
function normaliseAny(polynomial: Polynomial | PerSlotPolynomial): { coeffs: Coeffs; interval: RealInterval | undefined } {
  if (typeof polynomial !== 'object' || polynomial === null) throw new TypeError('polynomial must be { basis, coefficients }');
  const list = polynomial.coefficients as ArrayLike<unknown>;
  const vectors = Array.isArray(list) ? (list as unknown[]).filter((c): c is ArrayLike<number> => typeof c === 'object' && c !== null) : [];
  return vectors.length > 0
    ? normalisePerSlot(polynomial as PerSlotPolynomial, Math.max(1, ...vectors.map((v) => v.length)))
    : normaliseScalar(polynomial as Polynomial);
}

/** Evaluates polynomials on ciphertexts (see the file header for the algorithm and its scale management). */
export class PolynomialEvaluator {
  readonly evaluator: CircuitEvaluator;
  /** Needed by `evaluatePerSlot` only (coefficient vectors become plaintexts). */
  readonly encoder: Encoder | undefined;

  constructor(evaluator: CircuitEvaluator, encoder?: Encoder) {
    if (typeof evaluator !== 'object' || evaluator === null || typeof evaluator.mulNoRelin !== 'function') throw new TypeError('evaluator must be an Evaluator (a CircuitEvaluator)');
    this.evaluator = evaluator;
    this.encoder = encoder;
  }

  /**
   * p(ct) slot-wise, at level ct.level − polynomialDepth(p), with scale exactly `targetScale` (default ct.scale).
   * The input must lie in the polynomial's interval for the Chebyshev basis to be well conditioned. Throws
   * DEPTH_EXHAUSTED when ct has fewer levels than polynomialDepth(p), MISSING_KEY without a relinearisation key.
   */
  evaluate(ct: Ciphertext, polynomial: Polynomial, options: PolynomialEvaluationOptions = {}): Ciphertext {
    checkCiphertext(ct);
    const { basis, coeffs, interval } = normaliseScalar(polynomial);
    return this.run(ct, basis, coeffs, interval, options);
  }

  /**
   * A different polynomial in every slot: coefficient j is a number or a vector over the slots (encoded as
   * plaintexts at the scales the recursion prescribes). Same depth and scale guarantees as `evaluate`.
   */
  evaluatePerSlot(ct: Ciphertext, polynomial: PerSlotPolynomial, options: PolynomialEvaluationOptions = {}): Ciphertext {
    checkCiphertext(ct);
    if (this.encoder === undefined) throw new TypeError('evaluatePerSlot needs an Encoder: construct the PolynomialEvaluator with one');
    const { basis, coeffs, interval } = normalisePerSlot(polynomial, ct.slots);
    return this.run(ct, basis, coeffs, interval, options);
  }

  private run(ct: Ciphertext, basis: PolynomialBasis, coeffs: Coeffs, interval: RealInterval | undefined, options: PolynomialEvaluationOptions): Ciphertext {
    if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
    const target = options.targetScale ?? ct.scale;
    if (typeof target !== 'number' || !Number.isFinite(target) || target < 1) throw new RangeError(`targetScale must be a finite number ≥ 1, got ${String(target)}`);
    // every intermediate ciphertext goes back to the thread pool's recycler at the end (temporaries.ts)
    const ev = new TemporaryTracker(this.evaluator);
    const out = this.runTracked(ev, ct, basis, coeffs, interval, target);
    ev.release([ct, out]);
    return out;
  }

  private runTracked(ev: CircuitEvaluator, ct: Ciphertext, basis: PolynomialBasis, coeffs: Coeffs, interval: RealInterval | undefined, target: number): Ciphertext {
    const d = degreeOf(coeffs);
    const run = new Recursion(ev, this.encoder, basis);
    if (d < 1) {
      // A constant: an (exactly zero) ciphertext at the input's level and the target scale, plus the constant.
      const zero = pinScaleOfZero(ev.mulConstant(ct, 0, { constantScale: 1 }), target);
      return d === 0 ? run.addCoef(zero, coeffs[0]!) : zero;
    }
    const mapDepth = intervalMapDepth(interval);
    const depth = bitLength(d) + mapDepth;
    if (ct.level < depth) {
      throw new CkksError('DEPTH_EXHAUSTED', `polynomial of degree ${d} needs ${depth} levels (${bitLength(d)} + ${mapDepth} for the interval map) but the ciphertext is at level ${ct.level}`);
    }
    const x = isPlainInterval(interval) ? ct : mapToUnit(ev, ct, interval!);
    run.start(x, d);
    const out = run.lead(coeffs, x.level - bitLength(d), target);
    if (out.level !== ct.level - depth) throw new CkksError('LEVEL_MISMATCH', `internal: result at level ${out.level}, expected ${ct.level - depth}`);
    return out;
  }
}

function checkCiphertext(ct: Ciphertext): void {
  if (!(ct instanceof Ciphertext)) throw new TypeError('expected a Ciphertext');
  if (ct.degree !== 1) throw new RangeError(`expected a degree-1 ciphertext (relinearise first), got degree ${ct.degree}`);
}

/** An exact encryption of zero may be given any scale (a reinterpretation, not a pinned scale: scale.ts). */
function pinScaleOfZero(zero: Ciphertext, scale: number): Ciphertext {
  zero.scale = scale;
  return zero;
}

/** x ↦ (2x − a − b)/(b − a), with the input's scale. */
function mapToUnit(ev: CircuitEvaluator, ct: Ciphertext, [a, b]: RealInterval): Ciphertext {
  const alpha = 2 / (b - a);
  const beta = -(a + b) / (b - a);
  let y: Ciphertext;
  if (intervalMapDepth([a, b]) === 0) y = alpha === 1 ? ct : ev.mulConstant(ct, alpha, { constantScale: 1 });
  else y = pinScale(ev.rescale(ev.mulConstant(ct, alpha)), ct.scale);
  return beta === 0 ? y : ev.addConstant(y, beta);
}

/** One evaluation: the power basis, the split parameter and the recursion. */
class Recursion {
  private pb: PowerBasis | undefined;
  private logSplit = 1;
  private readonly primes: number[];

  constructor(private readonly ev: CircuitEvaluator, private readonly encoder: Encoder | undefined, private readonly basis: PolynomialBasis) {
    this.primes = ev.context.params.Q.map(Number);
  }

  start(x: Ciphertext, degree: number): void {
    this.pb = new PowerBasis(this.ev, x, this.basis);
    this.logSplit = optimalSplit(bitLength(degree));
  }

  private get powers(): PowerBasis {
    return this.pb!;
  }

  /**
   * The leading branch: p at (ℓ, S) with S ≈ Δ. Invariant: topLevel − ℓ ≥ ⌈log2(deg p + 1)⌉.
   * A leaf is formed at (ℓ + 1, S·q_{ℓ+1}) and rescaled when its powers reach level ℓ + 1; otherwise p is split at
   * the largest power of two ≤ deg p (a giant step, or a baby step when the leaf was too deep).
   */
  lead(p: Coeffs, level: number, scale: number): Ciphertext {
    const d = degreeOf(p);
    const pb = this.powers;
    if (pb.topLevel - level < bitLength(d)) throw new CkksError('DEPTH_EXHAUSTED', `internal: degree ${d} at level ${level}`);
    if (d < 1 << this.logSplit && pb.levelOf(d) >= level + 1) {
      const up = scale * this.primes[level + 1]!;
      return pinScale(this.ev.rescale(this.leaf(p, level + 1, up)), scale);
    }
    return this.splitStep(p, 1 << (bitLength(d) - 1), level, scale, true);
  }

  /** Any other branch: p at (ℓ, S) with S ≈ Δ·q (no final rescale needed for leaves), added into `into` if given. */
  private nonLead(p: Coeffs, level: number, scale: number, into?: Ciphertext): Ciphertext {
    const d = degreeOf(p);
    if (d < 1 << this.logSplit) return this.leaf(p, level, scale, into);
    let n = 1 << this.logSplit;
    while (n < (d >> 1) + 1) n <<= 1;
    const out = this.splitStep(p, n, level, scale, false);
    return into === undefined ? out : this.ev.add(into, out);
  }

  /** p = q·P_n + r evaluated at (ℓ + 1, S·q_{ℓ+1}) and rescaled to (ℓ, S). */
  private splitStep(p: Coeffs, n: number, level: number, scale: number, lead: boolean): Ciphertext {
    const ev = this.ev;
    const pb = this.powers;
    if (pb.levelOf(n) < level + 1) throw new CkksError('DEPTH_EXHAUSTED', `internal: giant step ${n} below level ${level + 1}`);
    const [q, r] = divide(p, n, this.basis);
    const up = scale * this.primes[level + 1]!;
    const X = atLevel(ev, pb.get(n), level + 1);
    let res: Ciphertext;
    if (degreeOf(q) === 0) {
      res = this.mulCoef(X, q[0]!, up);
    } else {
      const qScale = up / X.scale;
      const qc = lead ? this.lead(q, level + 1, qScale) : this.nonLead(q, level + 1, qScale);
      res = ev.mulNoRelin(qc, X);
    }
    // the remainder is added to the (possibly degree-2) product before one fused relinearise-and-rescale
    if (degreeOf(r) >= 0) res = this.nonLead(r, level + 1, res.scale, res);
    return pinScale(ev.relinearizeRescale(res), scale);
  }

  /** Σ_i c_i·T_i at exactly (ℓ, S), no rescale; added into `into` (at (ℓ, S)) when given. */
  private leaf(p: Coeffs, level: number, scale: number, into?: Ciphertext): Ciphertext {
    const ev = this.ev;
    const d = degreeOf(p);
    let acc = into;
    for (let i = 1; i <= d; i++) {
      if (isZero(p[i]!)) continue;
      const term = this.mulCoef(atLevel(ev, this.powers.get(i), level), p[i]!, scale);
      acc = acc === undefined ? term : ev.add(acc, term);
    }
    acc ??= pinScaleOfZero(ev.mulConstant(atLevel(ev, this.powers.get(1), level), 0, { constantScale: 1 }), scale);
    return d >= 0 && !isZero(p[0]!) ? this.addCoef(acc, p[0]!) : acc;
  }

  /** ct·v with v encoded at scale S/ct.scale, pinned to exactly S. */
  private mulCoef(ct: Ciphertext, v: Float64Array, scale: number): Ciphertext {
    const cs = scale / ct.scale;
    if (!(cs >= 1)) {
      throw new CkksError('SCALE_MISMATCH', `a coefficient would be encoded at scale 2^${Math.log2(cs).toFixed(2)} < 1: the target scale is too small for the input's scale (use targetScale ≈ input scale ≈ the primes)`);
    }
    const c = uniform(v);
    if (c !== undefined) return pinScale(this.ev.mulConstant(ct, c, { constantScale: cs }), scale);
    const pt = this.encoder!.encode(v, { level: ct.level, scale: cs, slots: ct.slots });
    return pinScale(this.ev.mulPlain(ct, pt), scale);
  }

  /** ct + v with v encoded at ct's scale. */
  addCoef(ct: Ciphertext, v: Float64Array): Ciphertext {
    const c = uniform(v);
    if (c !== undefined) return this.ev.addConstant(ct, c);
    return this.ev.add(ct, this.encoder!.encode(v, { level: ct.level, scale: ct.scale, slots: ct.slots }));
  }
}
