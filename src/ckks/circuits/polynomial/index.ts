/**
 * Polynomial evaluation on CKKS ciphertexts (baby-step/giant-step in the Chebyshev basis at optimal depth with
 * exact scale management, Bossuat et al. 2021) and the float64 approximation tools it needs: Chebyshev
 * interpolation and conversion, Clenshaw evaluation, Remez minimax on unions of intervals.
 */
export {
  type RealInterval, UNIT_INTERVAL, chebyshevInterpolate, chebyshevNodes, chebyshevToMonomial, evaluateChebyshev,
  evaluateMonomial, fromUnitInterval, monomialToChebyshev, toUnitInterval,
} from './chebyshev.js';
export {
  type RemezOptions, type RemezResult, intervalsAroundIntegers, maxApproximationError, remez,
} from './remez.js';
export { type PolynomialBasis, PowerBasis } from './powerBasis.js';
export {
  type ChebyshevPolynomial, type MonomialPolynomial, type PerSlotPolynomial, type Polynomial,
  type PolynomialEvaluationOptions, type SlotCoefficient, PolynomialEvaluator, intervalMapDepth, optimalSplit,
  polynomialDegree, polynomialDepth,
} from './polynomialEvaluator.js';
