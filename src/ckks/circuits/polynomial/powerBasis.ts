/**
 * The power basis of a ciphertext for polynomial evaluation: T_1(x) … T_n(x) (Chebyshev) or x … x^n (monomial),
 * generated lazily at optimal depth (Bossuat, Mouchet, Troncoso-Pastoriza, Hubaux, "Efficient Bootstrapping for
 * Approximate Homomorphic Encryption with Non-Sparse Keys", Eurocrypt 2021, §4.1; Lattigo's PowerBasis).
 *
 * For i = 2^k:        T_i = 2·T_{i/2}² − 1,                x^i = (x^{i/2})²;
 * otherwise, with a the largest power of two below i and b = i − a < a:
 *                     T_i = 2·T_a·T_b − T_{a−b},            x^i = x^a·x^b.
 * Each power costs one relinearised product and one rescale, so T_i sits exactly ⌈log2 i⌉ levels below x.
 *
 * Scales are tracked exactly: in 2·T_a·T_b − T_{a−b} the subtrahend (one or more levels higher, scale s_{a−b}) is
 * brought to the product's level and scale s_a·s_b by a multiplication with the integer round(s_a·s_b/s_{a−b})
 * (≈ one prime, so the relative error 2^-46 is far below the rescaling noise); no level is spent on it. The scales
 * of the powers are whatever the products give (≈ Δ when Δ ≈ the primes); the evaluator adapts to them.
 */
import { CkksError } from '../../errors.js';
import type { CircuitEvaluator } from '../../scheme/evaluatorInterface.js';
import type { Ciphertext } from '../../scheme/plaintext.js';
import { pinScale } from '../../scheme/scale.js';

/** The two bases a polynomial can be given in. */
export type PolynomialBasis = 'monomial' | 'chebyshev';

/** ⌈log2 i⌉ for i ≥ 1. */
export function ceilLog2(i: number): number {
  return i <= 1 ? 0 : 32 - Math.clz32(i - 1);
}

/** The number of bits of d (⌊log2 d⌋ + 1 for d ≥ 1, 0 for d = 0) = ⌈log2(d + 1)⌉. */
export function bitLength(d: number): number {
  return d <= 0 ? 0 : 32 - Math.clz32(d);
}

/** The planned-scale relabel (scale.ts: within 2^-40 relative, else SCALE_MISMATCH), re-exported for the circuits. */
export { pinScale };

/** `ct` at a lower level (a copy when levels are dropped, `ct` itself otherwise). */
export function atLevel(ev: CircuitEvaluator, ct: Ciphertext, level: number): Ciphertext {
  if (ct.level < level) throw new CkksError('DEPTH_EXHAUSTED', `internal: a level-${ct.level} operand is needed at level ${level}`);
  return ct.level === level ? ct : ev.dropLevels(ct, ct.level - level);
}

/** Lazily generated powers of one ciphertext (T_i or x^i), memoised. */
export class PowerBasis {
  readonly basis: PolynomialBasis;
  private readonly ev: CircuitEvaluator;
  private readonly powers = new Map<number, Ciphertext>();
  /** Level of T_1 = x; T_i will be at topLevel − ⌈log2 i⌉. */
  readonly topLevel: number;
  private readonly inputScale: number;

  constructor(evaluator: CircuitEvaluator, x: Ciphertext, basis: PolynomialBasis) {
    this.ev = evaluator;
    this.basis = basis;
    this.topLevel = x.level;
    this.inputScale = x.scale;
    this.powers.set(1, x);
  }

  /** The level T_i has (or will have). */
  levelOf(i: number): number {
    return this.topLevel - ceilLog2(i);
  }

  /** Number of powers generated so far (including x itself). */
  get size(): number {
    return this.powers.size;
  }

  /** T_i (or x^i), generating it and its dependencies on first use. */
  get(i: number): Ciphertext {
    if (!Number.isInteger(i) || i < 1) throw new RangeError(`power index must be a positive integer, got ${i}`);
    const known = this.powers.get(i);
    if (known !== undefined) return known;
    if (this.levelOf(i) < 0) throw new CkksError('DEPTH_EXHAUSTED', `power ${i} needs ${ceilLog2(i)} levels, the input has ${this.topLevel}`);
    const ev = this.ev;
    const a = i & (i - 1) ? 1 << (31 - Math.clz32(i)) : i / 2; // largest power of two below i (i/2 for powers of two)
    const b = i - a;
    const A = this.get(a);
    const B = this.get(b);
    const level = Math.min(A.level, B.level);
    // degree-2 product; the Chebyshev corrections are added before the fused relinearise-and-rescale
    let p = ev.mulNoRelin(atLevel(ev, A, level), atLevel(ev, B, level));
    if (this.basis === 'chebyshev') {
      p = ev.add(p, p); // 2·T_a·T_b, scale unchanged
      if (a === b) {
        p = ev.addConstant(p, -1);
      } else {
        const c = atLevel(ev, this.get(a - b), level);
        const lifted = pinScale(ev.mulConstant(c, 1, { constantScale: p.scale / c.scale }), p.scale);
        p = ev.sub(p, lifted);
      }
    }
    const r = ev.relinearizeRescale(p);
    if (r.level !== this.levelOf(i)) throw new CkksError('LEVEL_MISMATCH', `internal: power ${i} landed at level ${r.level}`);
    // |T_i| ≤ 1 on [−1, 1]: the scale itself must stay well inside q_0·…·q_ℓ, or the values wrap around silently.
    // This happens when the input's scale is far above the primes (scales then grow doubly exponentially).
    const logQ = ev.context.params.Q.slice(0, r.level + 1).reduce((acc, q) => acc + Math.log2(Number(q)), 0);
    if (Math.log2(r.scale) + 2 > logQ) {
      throw new CkksError('DEPTH_EXHAUSTED', `power ${i} would have scale 2^${Math.log2(r.scale).toFixed(1)} at level ${r.level} (modulus 2^${logQ.toFixed(1)}): the input scale 2^${Math.log2(this.inputScale).toFixed(1)} is too far from the primes`);
    }
    this.powers.set(i, r);
    return r;
  }
}
