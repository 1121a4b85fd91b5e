/**
 * Float64 Chebyshev tools — the offline half of homomorphic polynomial evaluation: interpolation of a function at
 * Chebyshev points, evaluation of Chebyshev series (Clenshaw's recurrence), and conversion between the monomial
 * and the Chebyshev basis.
 *
 * References: L. N. Trefethen, "Approximation Theory and Approximation Practice" (SIAM 2013), ch. 3–4 (the
 * interpolant at the Chebyshev points of the first kind, whose coefficients are a discrete cosine transform of the
 * samples, and its near-best accuracy); C. W. Clenshaw, "A note on the summation of Chebyshev series" (1955).
 *
 * A Chebyshev series on an interval [a, b] is p(x) = Σ_j c_j·T_j(t) with t = (2x − a − b)/(b − a) ∈ [−1, 1] and
 * T_0 = 1, T_1 = t, T_{j+1} = 2t·T_j − T_{j−1}. Everything here is plain float64 arithmetic.
 */

/** A closed real interval [a, b] with a < b. */
export type RealInterval = readonly [number, number];

/** The default interval [−1, 1]. */
export const UNIT_INTERVAL: RealInterval = Object.freeze([-1, 1] as const);

/** Validates an interval: two finite numbers a < b (RangeError otherwise). Returns a plain copy. */
export function checkInterval(interval: unknown, what = 'interval'): [number, number] {
  if (!Array.isArray(interval) || interval.length !== 2) throw new TypeError(`${what} must be a pair [a, b]`);
  const [a, b] = interval as unknown[];
  if (typeof a !== 'number' || typeof b !== 'number') throw new TypeError(`${what} must hold two numbers`);
  if (!Number.isFinite(a) || !Number.isFinite(b) || !(a < b)) throw new RangeError(`${what} must be finite with a < b, got [${a}, ${b}]`);
  return [a, b];
}

/** Validates a coefficient list: non-empty, finite numbers. Returns a Float64Array copy. */
export function checkCoefficients(coefficients: unknown, what = 'coefficients'): Float64Array {
  if (typeof coefficients !== 'object' || coefficients === null || typeof (coefficients as ArrayLike<number>).length !== 'number') {
    throw new TypeError(`${what} must be an array of numbers`);
  }
  const c = coefficients as ArrayLike<unknown>;
  if (c.length < 1) throw new RangeError(`${what} must not be empty`);
  const out = new Float64Array(c.length);
  for (let j = 0; j < c.length; j++) {
    const v = c[j];
    if (typeof v !== 'number') throw new TypeError(`${what}[${j}] is not a number`);
    if (!Number.isFinite(v)) throw new RangeError(`${what}[${j}] is not finite`);
    out[j] = v;
  }
  return out;
}

function checkDegree(degree: number): void {
  if (!Number.isInteger(degree) || degree < 0 || degree > 4096) throw new RangeError(`degree must be an integer in [0, 4096], got ${degree}`);
}

/** x ∈ [a, b] → t = (2x − a − b)/(b − a) ∈ [−1, 1]. */
export function toUnitInterval(x: number, interval: RealInterval): number {
  const [a, b] = interval;
  return (2 * x - a - b) / (b - a);
}

/** t ∈ [−1, 1] → x = ((b − a)·t + a + b)/2 ∈ [a, b]. */
export function fromUnitInterval(t: number, interval: RealInterval): number {
  const [a, b] = interval;
  return ((b - a) * t + a + b) / 2;
}

/**
 * The `count` Chebyshev points of the first kind on the interval (the roots of T_count, mapped), in decreasing
 * order: x_k = map(cos(π(k + 1/2)/count)), k = 0 … count − 1.
 */
export function chebyshevNodes(count: number, interval: RealInterval = UNIT_INTERVAL): Float64Array {
  if (!Number.isInteger(count) || count < 1 || count > 4097) throw new RangeError(`count must be an integer in [1, 4097], got ${count}`);
  const iv = checkInterval(interval);
  const out = new Float64Array(count);
  for (let k = 0; k < count; k++) out[k] = fromUnitInterval(Math.cos((Math.PI * (k + 0.5)) / count), iv);
  return out;
}

/**
 * Chebyshev coefficients c_0 … c_d of the polynomial of degree ≤ d interpolating f at the d + 1 Chebyshev points
 * of the interval: c_j = (2 − [j = 0])/(d + 1) · Σ_k f(x_k)·cos(π·j·(k + 1/2)/(d + 1)) (a DCT-II of the samples).
 * For f analytic in a Bernstein ellipse of parameter ρ the error decays like ρ^{−d}; in general it is within a
 * factor 2 + (2/π)·log(d + 1) of the best (minimax) error — `remez` closes that gap.
 */
export function chebyshevInterpolate(f: (x: number) => number, degree: number, interval: RealInterval = UNIT_INTERVAL): Float64Array {
  if (typeof f !== 'function') throw new TypeError('f must be a function');
  checkDegree(degree);
  const iv = checkInterval(interval);
  const n = degree + 1;
  const values = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const v = f(fromUnitInterval(Math.cos((Math.PI * (k + 0.5)) / n), iv));
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new RangeError(`f returned a non-finite value at Chebyshev node ${k}`);
    values[k] = v;
  }
  const c = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += values[k]! * Math.cos((Math.PI * j * (k + 0.5)) / n);
    c[j] = ((j === 0 ? 1 : 2) * s) / n;
  }
  return c;
}

/** Σ_j c_j·T_j(t(x)) by Clenshaw's backward recurrence (stable for |t| ≤ 1). */
export function evaluateChebyshev(coefficients: ArrayLike<number>, x: number, interval: RealInterval = UNIT_INTERVAL): number {
  const t = toUnitInterval(x, interval);
  let b1 = 0;
  let b2 = 0;
  for (let j = coefficients.length - 1; j >= 1; j--) {
    const b0 = 2 * t * b1 - b2 + coefficients[j]!;
    b2 = b1;
    b1 = b0;
  }
  return t * b1 - b2 + (coefficients[0] ?? 0);
}

/** Σ_j a_j·x^j by Horner's rule. */
export function evaluateMonomial(coefficients: ArrayLike<number>, x: number): number {
  let acc = 0;
  for (let j = coefficients.length - 1; j >= 0; j--) acc = acc * x + coefficients[j]!;
  return acc;
}

/** (α·t + β)·Σ c_j T_j(t) in the Chebyshev basis, using t·T_0 = T_1 and t·T_j = (T_{j+1} + T_{j−1})/2. */
function mulAffineChebyshev(c: Float64Array, alpha: number, beta: number): Float64Array {
  const out = new Float64Array(c.length + 1);
  for (let j = 0; j < c.length; j++) {
    const v = c[j]!;
    out[j] = out[j]! + beta * v;
    if (j === 0) out[1] = out[1]! + alpha * v;
    else {
      out[j + 1] = out[j + 1]! + (alpha * v) / 2;
      out[j - 1] = out[j - 1]! + (alpha * v) / 2;
    }
  }
  return out;
}

/** (α·x + β)·Σ a_j x^j in the monomial basis. */
function mulAffineMonomial(a: Float64Array, alpha: number, beta: number): Float64Array {
  const out = new Float64Array(a.length + 1);
  for (let j = 0; j < a.length; j++) {
    out[j] = out[j]! + beta * a[j]!;
    out[j + 1] = out[j + 1]! + alpha * a[j]!;
  }
  return out;
}

/**
 * Monomial coefficients a_j of p(x) = Σ a_j x^j → Chebyshev coefficients on the interval (p(x) = Σ c_j T_j(t(x))).
 * Horner's rule carried out in the Chebyshev basis with x = ((b − a)/2)·t + (a + b)/2; well conditioned (on
 * [−1, 1] the Chebyshev coefficients of x^j are non-negative and sum to 1).
 */
export function monomialToChebyshev(coefficients: ArrayLike<number>, interval: RealInterval = UNIT_INTERVAL): Float64Array {
  const a = checkCoefficients(coefficients);
  const [lo, hi] = checkInterval(interval);
  const half = (hi - lo) / 2;
  const mid = (hi + lo) / 2;
  let acc: Float64Array = new Float64Array([a[a.length - 1]!]);
  for (let j = a.length - 2; j >= 0; j--) {
    acc = mulAffineChebyshev(acc, half, mid);
    acc[0] = acc[0]! + a[j]!;
  }
  return acc.slice(0, a.length);
}

/**
 * Chebyshev coefficients on the interval → monomial coefficients in x. Clenshaw's recurrence carried out on
 * monomial polynomials in t, then the substitution t = (2x − a − b)/(b − a) by Horner's rule. Ill-conditioned
 * for high degrees (the monomial coefficients of T_d sum in absolute value to ≈ (1 + √2)^d/2, so about 1.27·d
 * bits of cancellation can occur); meant for low degrees.
 */
export function chebyshevToMonomial(coefficients: ArrayLike<number>, interval: RealInterval = UNIT_INTERVAL): Float64Array {
  const c = checkCoefficients(coefficients);
  const [lo, hi] = checkInterval(interval);
  const n = c.length;
  // Clenshaw on polynomials in t: b_j = 2t·b_{j+1} − b_{j+2} + c_j, p = t·b_1 − b_2 + c_0.
  let b1 = new Float64Array(n);
  let b2 = new Float64Array(n);
  for (let j = n - 1; j >= 1; j--) {
    const b0 = mulAffineMonomial(b1, 2, 0).subarray(0, n).slice();
    for (let i = 0; i < n; i++) b0[i] = b0[i]! - b2[i]!;
    b0[0] = b0[0]! + c[j]!;
    b2 = b1;
    b1 = b0;
  }
  const inT = mulAffineMonomial(b1, 1, 0).subarray(0, n).slice();
  for (let i = 0; i < n; i++) inT[i] = inT[i]! - b2[i]!;
  inT[0] = inT[0]! + c[0]!;
  if (lo === -1 && hi === 1) return inT;
  // Substitute t = α·x + β.
  const alpha = 2 / (hi - lo);
  const beta = -(hi + lo) / (hi - lo);
  let acc: Float64Array = new Float64Array([inT[n - 1]!]);
  for (let j = n - 2; j >= 0; j--) {
    acc = mulAffineMonomial(acc, alpha, beta);
    acc[0] = acc[0]! + inT[j]!;
  }
  return acc.slice(0, n);
}
