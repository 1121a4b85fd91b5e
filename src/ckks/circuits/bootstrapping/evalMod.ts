/**
 * EvalMod: the homomorphic modular reduction of bootstrapping. After CoeffsToSlots every slot holds
 * y = x/B with x = t/q_0 = I + δ (I a small integer, δ = Δ·m/q_0 the message, |δ| ≤ ε); EvalMod returns C·δ.
 *
 * It evaluates x mod 1 ≈ sin(2πx)/(2π) (Cheon–Han–Kim–Kim–Song 2018) as a scaled cosine followed by r
 * double-angle steps (Han–Ki, "Better bootstrapping for approximate HE", CT-RSA 2020, §4): with θ = 2π(x − 1/4)/2^r
 * and c_0 = a·cos θ, c_j = 2c_{j−1}² − a^{2^j} = a^{2^j}·cos(2^j θ), so c_r = a^{2^r}·sin(2πx). The cosine is
 * approximated on the union of the intervals [i − ε, i + ε], |i| ≤ K, by the minimax polynomial of the given degree
 * (Remez on unions of intervals: Bossuat–Mouchet–Troncoso-Pastoriza–Hubaux, Eurocrypt 2021, §5; Lee–Lee–Kim–No,
 * Eurocrypt 2021), in the variable y = x/B, B = K + 1 (so the input needs no interval map). An optional arcsine
 * (Taylor polynomial of asin(2πs)/(2π), odd degree) removes the sine's own error (2πδ)²/6 relative
 * (Lee–Lee–Kim–No 2021; Lattigo's Mod1InvDegree).
 *
 * The output factor C (so that StC can be a pure DFT) is folded into a = (C/2π)^{1/2^r} at run time (no arcsine),
 * or into the arcsine coefficients. The scales are planned backwards from the requested output scale S, as in
 * Lattigo's mod1 evaluator: the cosine is evaluated to S_0 with S_{j−1} = √(S_j·q) for the prime q each square is
 * rescaled by, so the last double angle lands exactly on S (pinned: float64 square roots need not round-trip).
 */
import { CkksError } from '../../errors.js';
import type { CircuitEvaluator } from '../../scheme/evaluatorInterface.js';
import type { Ciphertext } from '../../scheme/plaintext.js';
import { pinScale } from '../../scheme/scale.js';
import type { PolynomialEvaluator } from '../polynomial/polynomialEvaluator.js';
import { releaseCiphertexts } from '../temporaries.js';
import { evaluateChebyshev, evaluateMonomial } from '../polynomial/chebyshev.js';
import { intervalsAroundIntegers, maxApproximationError, remez } from '../polynomial/remez.js';
import { interpolateCosineAtIntegers } from './cosineInterpolation.js';
import { bitLength } from '../polynomial/powerBasis.js';

/** The parameters of EvalMod, each with its effect. */
export interface EvalModLiteral {
  /** Largest |I| handled (failures beyond, see failureProbability.ts): the approximation covers |i| ≤ K. */
  K: number;
  /** Number of double-angle steps r (each one level; 0: approximate sin(2πx) directly). */
  doubleAngle: number;
  /** Degree of the cosine (or sine) polynomial: ⌈log2(degree + 1)⌉ levels. */
  degree: number;
  /** Odd degree of the arcsine correction (0 or 1: none). ⌈log2(degree + 1)⌉ more levels. */
  arcsineDegree?: number;
  /** log2 of q_0/Δ (the message ratio): messages with |coefficients| ≤ 1 stay within ε = 2^-logMessageRatio of an integer. */
  logMessageRatio: number;
  /**
   * 'interpolation' (default): the polynomial interpolating the function at the integers |i| ≤ K, computed exactly
   * (Han–Ki; degree must be 2K): exact where typical messages sit, see cosineInterpolation.ts. 'minimax': the
   * Remez polynomial on ∪_{|i| ≤ K}[i ± ε] (even error over the intervals, needs degree ≫ 2K to be precise).
   */
  approximation?: 'interpolation' | 'minimax';
}

/** A validated EvalMod with its approximation in float64. */
export class EvalMod {
  readonly K: number;
  readonly doubleAngle: number;
  readonly degree: number;
  readonly arcsineDegree: number;
  readonly logMessageRatio: number;
  readonly approximation: 'interpolation' | 'minimax';
  /** ε = 2^-logMessageRatio: the half-width of the intervals around the integers. */
  readonly epsilon: number;
  /** B = K + 1: the input slots hold y = x/B ∈ (−1, 1). */
  readonly inputDivisor: number;
  /** Chebyshev coefficients on [−1, 1] (in y) of cos(2π(B·y − 1/4)/2^r), or of sin(2π·B·y) when r = 0 (a = 1). */
  readonly coefficients: Float64Array;
  /** max |polynomial − function| found on the intervals (in the unscaled function's units). */
  readonly approximationError: number;

  constructor(literal: EvalModLiteral) {
    const { K, doubleAngle, degree, logMessageRatio } = literal;
    const arcsineDegree = literal.arcsineDegree ?? 0;
    if (!Number.isInteger(K) || K < 1 || K > 1024) throw new RangeError(`EvalMod: K must be an integer in [1, 1024], got ${K}`);
    if (!Number.isInteger(doubleAngle) || doubleAngle < 0 || doubleAngle > 8) throw new RangeError(`EvalMod: doubleAngle must be an integer in [0, 8], got ${doubleAngle}`);
    if (!Number.isInteger(degree) || degree < 2 || degree > 255) throw new RangeError(`EvalMod: degree must be an integer in [2, 255], got ${degree}`);
    if (!Number.isInteger(arcsineDegree) || arcsineDegree < 0 || arcsineDegree > 15 || (arcsineDegree > 1 && arcsineDegree % 2 === 0)) {
      throw new RangeError(`EvalMod: arcsineDegree must be 0 or an odd integer ≤ 15, got ${arcsineDegree}`);
    }
    if (!Number.isFinite(logMessageRatio) || logMessageRatio < 1 || logMessageRatio > 40) throw new RangeError(`EvalMod: logMessageRatio must be in [1, 40], got ${logMessageRatio}`);
    const approximation = literal.approximation ?? 'interpolation';
    if (approximation !== 'interpolation' && approximation !== 'minimax') throw new RangeError(`EvalMod: approximation must be 'interpolation' or 'minimax', got ${String(approximation)}`);
    if (approximation === 'interpolation' && degree !== 2 * K) throw new RangeError(`EvalMod: interpolation at the integers |i| ≤ K needs degree 2K = ${2 * K}, got ${degree}`);
    this.K = K;
    this.doubleAngle = doubleAngle;
    this.degree = degree;
    this.arcsineDegree = arcsineDegree > 1 ? arcsineDegree : 0;
    this.logMessageRatio = logMessageRatio;
    this.approximation = approximation;
    this.epsilon = 2 ** -logMessageRatio;
    this.inputDivisor = K + 1;
    const f = this.unscaledFunction();
    const B = this.inputDivisor;
    const intervals = intervalsAroundIntegers(K, this.epsilon).map(([a, b]) => [a / B, b / B] as const);
    if (approximation === 'minimax') {
      const fit = remez(f, intervals, degree, { basisInterval: [-1, 1] });
      this.coefficients = fit.coefficients;
      this.approximationError = fit.maxError;
    } else {
      this.coefficients = interpolateCosineAtIntegers(K, B, doubleAngle);
      this.approximationError = maxApproximationError(f, this.coefficients, intervals, [-1, 1], 64);
    }
    Object.freeze(this);
  }

  /** The function of y the polynomial approximates (a = 1). */
  unscaledFunction(): (y: number) => number {
    const B = this.inputDivisor;
    const r = this.doubleAngle;
    return r === 0 ? (y) => Math.sin(2 * Math.PI * B * y) : (y) => Math.cos((2 * Math.PI * (B * y - 0.25)) / 2 ** r);
  }

  /** Levels used: the polynomial, the double angles, the arcsine. */
  get depth(): number {
    return bitLength(this.degree) + this.doubleAngle + (this.arcsineDegree > 0 ? bitLength(this.arcsineDegree) : 0);
  }

  /** The amplitude a of the polynomial for output factor C. */
  amplitude(outputFactor: number): number {
    const top = this.arcsineDegree > 0 ? 1 / (2 * Math.PI) : outputFactor / (2 * Math.PI);
    return this.doubleAngle === 0 ? top : top ** (1 / 2 ** this.doubleAngle);
  }

  /** Monomial coefficients of C·asin(2π·s)/(2π) truncated to the arcsine degree (odd powers only). */
  arcsineCoefficients(outputFactor: number): Float64Array {
    const d = this.arcsineDegree;
    const c = new Float64Array(d + 1);
    // asin(u) = Σ_k (2k)!/(4^k (k!)² (2k + 1))·u^{2k+1}
    let alpha = 1;
    for (let k = 0; 2 * k + 1 <= d; k++) {
      if (k > 0) alpha *= ((2 * k - 1) * (2 * k - 1)) / ((2 * k) * (2 * k + 1));
      c[2 * k + 1] = outputFactor * alpha * (2 * Math.PI) ** (2 * k);
    }
    return c;
  }

  /** The whole chain in float64 on a value x = t/q_0 (the reference the homomorphic evaluation is checked against). */
  evaluatePlain(x: number, outputFactor = 1): number {
    const a = this.amplitude(outputFactor);
    let c = a * evaluateChebyshev(this.coefficients, x / this.inputDivisor);
    let power = a;
    for (let j = 0; j < this.doubleAngle; j++) {
      power *= power;
      c = 2 * c * c - power;
    }
    return this.arcsineDegree > 0 ? evaluateMonomial(this.arcsineCoefficients(outputFactor), c) : c;
  }

  /**
   * The homomorphic reduction of `ct` (slots y = x/B at its level ℓ ≥ depth): returns C·(x − round(x)) up to the
   * approximation errors, at level ℓ − depth and scale exactly `targetScale`. DEPTH_EXHAUSTED if ℓ < depth.
   */
  evaluate(pe: PolynomialEvaluator, ev: CircuitEvaluator, ct: Ciphertext, outputFactor: number, targetScale: number): Ciphertext {
    if (ct.level < this.depth) throw new CkksError('DEPTH_EXHAUSTED', `EvalMod needs ${this.depth} levels, the ciphertext has ${ct.level}`);
    if (!(outputFactor > 0 && Number.isFinite(outputFactor))) throw new RangeError(`EvalMod: output factor must be positive, got ${outputFactor}`);
    const primes = ev.context.params.Q.map(Number);
    const levelAfterPoly = ct.level - bitLength(this.degree);
    const levelAfterDoubling = levelAfterPoly - this.doubleAngle;
    // scale wanted after the double angles: the output scale, or the input's scale when the arcsine follows
    const afterDoubling = this.arcsineDegree > 0 ? ct.scale : targetScale;
    const scales = [afterDoubling];
    // double angle j squares at level levelAfterPoly − j + 1 and rescales by that prime: S_{j−1} = √(S_j·q)
    for (let j = this.doubleAngle; j >= 1; j--) scales.unshift(Math.sqrt(scales[0]! * primes[levelAfterPoly - j + 1]!));
    const a = this.amplitude(outputFactor);
    const scaled = Array.from(this.coefficients, (v) => v * a);
    let c = pe.evaluate(ct, { basis: 'chebyshev', coefficients: scaled }, { targetScale: scales[0]! });
    let power = a;
    // every intermediate goes back to the thread pool's recycler once dead (circuits/temporaries.ts); never `ct`
    for (let j = 1; j <= this.doubleAngle; j++) {
      power *= power;
      const square = ev.mulNoRelin(c, c);
      const doubled = ev.add(square, square);
      const shifted = ev.addConstant(doubled, -power);
      const next = pinScale(ev.relinearizeRescale(shifted), scales[j]!);
      releaseCiphertexts([c, square, doubled, shifted], [ct, next]);
      c = next;
    }
    if (c.level !== levelAfterDoubling) throw new CkksError('LEVEL_MISMATCH', `internal: EvalMod landed at level ${c.level}, expected ${levelAfterDoubling}`);
    if (this.arcsineDegree > 0) {
      const out = pe.evaluate(c, { basis: 'monomial', coefficients: this.arcsineCoefficients(outputFactor) }, { targetScale });
      releaseCiphertexts([c], [ct, out]);
      c = out;
    }
    return c;
  }
}
