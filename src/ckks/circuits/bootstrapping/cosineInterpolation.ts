/**
 * The scaled cosine of EvalMod interpolated at the integers, computed in exact fixed-point arithmetic
 * (Han–Ki, "Better bootstrapping for approximate homomorphic encryption", CT-RSA 2020, §4: nodes at the integers
 * i ∈ [−K, K], where the reduced values x = I + δ concentrate; as in Lattigo's CosDiscrete with one node per
 * interval). Why not the minimax polynomial on ∪[i ± ε]: that spreads its error evenly over all 2K + 1 intervals,
 * also at the centres where typical messages (|δ| ≈ 2^-16) sit, and with 2K + 1 intervals for 2K + 1
 * coefficients it stays at ≈ 2^-35 for K = 15 … 16 and degree 30. The interpolant is exact at the integers and
 * off by ≈ |p′(i) − f′(i)|·|δ| next to them, which is tiny for the central integers that carry almost all the
 * probability (the error bound |ω(x)|·max|f^{(2K+1)}|/(2K + 1)! is smallest in the middle of the node set).
 *
 * Equispaced interpolation is ill-conditioned (a Lebesgue constant ≈ 2^{2K}/(e·2K·ln 2K)), so the nodes' values,
 * the Newton divided differences and the change to the Chebyshev basis are all computed with BigInt fixed-point
 * numbers of 2^-PRECISION; only the final Chebyshev coefficients (of size ≤ 1, the function being entire and well
 * sampled) are rounded to float64.
 */

/** Fractional bits of the fixed-point arithmetic. */
const PRECISION = 320n;
const ONE = 1n << PRECISION;

/** round(a/b) for BigInts (b > 0). */
function divRound(a: bigint, b: bigint): bigint {
  return a >= 0n ? (2n * a + b) / (2n * b) : -((-2n * a + b) / (2n * b));
}

function mul(a: bigint, b: bigint): bigint {
  return divRound(a * b, ONE);
}

/** π in fixed point (Machin: π = 16·atan(1/5) − 4·atan(1/239)). */
function pi(): bigint {
  const atanInverse = (x: bigint): bigint => {
    let term = divRound(ONE, x);
    let sum = term;
    const x2 = x * x;
    for (let k = 1n; term !== 0n; k++) {
      term = divRound(term, x2);
      const t = divRound(term, 2n * k + 1n);
      sum += k % 2n === 1n ? -t : t;
    }
    return sum;
  };
  return 16n * atanInverse(5n) - 4n * atanInverse(239n);
}

/** cos(θ) in fixed point for |θ| ≤ ~8 (Taylor series; the terms fall below 2^-PRECISION). */
function cosFixed(theta: bigint): bigint {
  const t2 = mul(theta, theta);
  let term = ONE;
  let sum = ONE;
  for (let k = 1n; term !== 0n; k++) {
    term = -divRound(mul(term, t2), (2n * k - 1n) * (2n * k));
    sum += term;
  }
  return sum;
}

function toNumber(x: bigint): number {
  const negative = x < 0n;
  const m = negative ? -x : x;
  const bits = m.toString(2).length;
  const shift = BigInt(Math.max(0, bits - 60));
  const v = Number(m >> shift) * 2 ** (Number(shift) - Number(PRECISION));
  return negative ? -v : v;
}

/**
 * Chebyshev coefficients on [−1, 1] (in y = x/B) of the degree-2K polynomial equal to
 * cos(2π(x − 1/4)/2^r) at every integer x ∈ [−K, K], for r ≥ 1 (or sin(2πx) for r = 0).
 */
export function interpolateCosineAtIntegers(K: number, B: number, doubleAngle: number): Float64Array {
  if (!Number.isInteger(K) || K < 1 || K > 64) throw new RangeError(`K must be an integer in [1, 64], got ${K}`);
  if (!Number.isInteger(B) || B <= K) throw new RangeError(`B must be an integer > K, got ${B}`);
  if (!Number.isInteger(doubleAngle) || doubleAngle < 0 || doubleAngle > 8) throw new RangeError(`doubleAngle must be in [0, 8], got ${doubleAngle}`);
  const n = 2 * K + 1;
  const PI = pi();
  // values at x_j = j − K
  const values: bigint[] = [];
  for (let j = 0; j < n; j++) {
    const x = BigInt(j - K);
    // θ = 2π(x − 1/4)/2^r = π(4x − 1)/2^{r+1}; r = 0: sin(2πx) = 0 at integers
    const theta = doubleAngle === 0 ? 0n : divRound(PI * (4n * x - 1n), 1n << BigInt(doubleAngle + 1));
    values.push(doubleAngle === 0 ? 0n : cosFixed(theta));
  }
  // Newton divided differences on the equispaced integer nodes: Δ^k/(k!)
  const a = values.slice();
  for (let k = 1; k < n; k++) {
    for (let j = n - 1; j >= k; j--) a[j] = divRound(a[j]! - a[j - 1]!, BigInt(k));
  }
  // Horner in the Chebyshev basis of y: p = a_{n−1}; p ← p·(B·y − x_k) + a_k, with y·T_0 = T_1, y·T_j = (T_{j+1} + T_{j−1})/2
  let p: bigint[] = [a[n - 1]!];
  const Bn = BigInt(B);
  for (let k = n - 2; k >= 0; k--) {
    const xk = BigInt(k - K);
    const next = new Array<bigint>(p.length + 1).fill(0n);
    for (let j = 0; j < p.length; j++) {
      const c = p[j]!;
      next[j] = next[j]! - c * xk;
      const by = c * Bn;
      if (j === 0) next[1] = next[1]! + by;
      else {
        next[j + 1] = next[j + 1]! + divRound(by, 2n);
        next[j - 1] = next[j - 1]! + divRound(by, 2n);
      }
    }
    next[0] = next[0]! + a[k]!;
    p = next;
  }
  return Float64Array.from(p, toNumber);
}
