/**
 * Minimax (best uniform) polynomial approximation by the Remez exchange algorithm, on an interval or on a union of
 * disjoint intervals, with the result in the Chebyshev basis of the hull (float64 throughout).
 *
 * References: E. Remez (1934); R. Pachón and L. N. Trefethen, "Barycentric-Remez algorithms for best polynomial
 * approximation in the chebfun system", BIT 49 (2009) — reference initialisation and the exchange rule; for unions
 * of intervals (the alternation theorem holds on any compact set): J.-P. Bossuat, C. Mouchet, J. Troncoso-Pastoriza,
 * J.-P. Hubaux, "Efficient Bootstrapping for Approximate Homomorphic Encryption with Non-Sparse Keys"
 * (Eurocrypt 2021), §5, whose bootstrapping approximates cos(2π(x − 1/4)/r) on ∪_{|i|≤K} [i − ε, i + ε], and
 * Y. Lee, J.-W. Lee, Y.-S. Kim, J.-S. No, "High-Precision Bootstrapping of RNS-CKKS Homomorphic Encryption Using
 * Optimal Minimax Polynomial Approximation and Inverse Sine Function" (Eurocrypt 2021) — the modified Remez
 * algorithm on unions of intervals. Starting reference for unions: C. L. Lawson's iteratively reweighted least
 * squares (1961), whose weights concentrate on the alternation set.
 *
 * One iteration: solve Σ_j c_j·T_j(t_i) + (−1)^i·E = f(x_i) on the d + 2 reference points (levelled error E);
 * locate the local extrema of e = p − f on every interval (a grid uniform in θ = arccos t, refined by golden-section
 * search; interval end points always count); keep one extremum per run of equal sign (the largest), and trim to
 * d + 2 alternating points without dropping the largest (the old reference takes part in the exchange, so d + 2
 * alternating points always exist). Stop when max|e| ≤ (1 + tolerance)·min over the reference, or after 8
 * iterations without improvement (the float64 noise floor, ≈ 2^-45 … 2^-47 for |f| ≤ 1: the systems on clustered
 * points are ill-conditioned). The result is never worse than the Chebyshev interpolant on the basis interval.
 */
import { type RealInterval, checkInterval, chebyshevInterpolate, evaluateChebyshev, toUnitInterval } from './chebyshev.js';

/** Options of `remez`. */
export interface RemezOptions {
  /** Interval of the Chebyshev basis of the result (default: the hull of the intervals). */
  basisInterval?: RealInterval;
  /** Maximum number of exchange iterations (default 60). */
  maxIterations?: number;
  /** Relative equioscillation tolerance (default 1e-4). */
  tolerance?: number;
  /** Grid points of the extrema search, spread over the intervals in θ = arccos t (default 40·(degree + 2)). */
  samples?: number;
}

/** Result of `remez`. */
export interface RemezResult {
  /** Chebyshev coefficients c_0 … c_d on `interval`. */
  readonly coefficients: Float64Array;
  /** The interval of the Chebyshev basis. */
  readonly interval: RealInterval;
  /** max |p − f| found over the intervals by the extrema search (grid + refinement). */
  readonly maxError: number;
  /**
   * The largest |E| of the levelled-error solves: a lower bound of the best possible error (de la Vallée Poussin),
   * so maxError / levelledError bounds how far from minimax the result is.
   */
  readonly levelledError: number;
  readonly iterations: number;
  /** True when the returned polynomial's error equioscillates within `tolerance`. */
  readonly converged: boolean;
  /** The reference points (d + 2) of the returned iterate (the start reference when a fallback won). */
  readonly reference: Float64Array;
}

/** The intervals [i − ε, i + ε] for i = −K … K (bootstrapping's modular-reduction domain). */
export function intervalsAroundIntegers(K: number, epsilon: number): RealInterval[] {
  if (!Number.isInteger(K) || K < 0 || K > 1 << 16) throw new RangeError(`K must be an integer in [0, 65536], got ${K}`);
  if (!(epsilon > 0 && epsilon < 0.5)) throw new RangeError(`epsilon must be in (0, 1/2), got ${epsilon}`);
  const out: RealInterval[] = [];
  for (let i = -K; i <= K; i++) out.push([i - epsilon, i + epsilon]);
  return out;
}

/** Sorted, validated, pairwise disjoint intervals. */
function normaliseIntervals(intervals: RealInterval | readonly RealInterval[]): [number, number][] {
  if (!Array.isArray(intervals) || intervals.length === 0) throw new TypeError('intervals must be [a, b] or a non-empty list of [a, b]');
  const list: [number, number][] = typeof intervals[0] === 'number'
    ? [checkInterval(intervals)]
    : (intervals as readonly RealInterval[]).map((iv, i) => checkInterval(iv, `intervals[${i}]`));
  list.sort((p, q) => p[0] - q[0]);
  for (let i = 1; i < list.length; i++) {
    if (list[i]![0] <= list[i - 1]![1]) throw new RangeError('intervals must be pairwise disjoint');
  }
  return list;
}

function sampleF(f: (x: number) => number, x: number): number {
  const v = f(x);
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new RangeError(`f returned a non-finite value at x = ${x}`);
  return v;
}

/** Arcsine measure of [u, v] in basis coordinates: arccos t(u) − arccos t(v) ≥ 0 (θ-length). */
function thetaRange(u: number, v: number, basis: RealInterval): [number, number] {
  const clamp = (t: number) => Math.min(1, Math.max(-1, t));
  return [Math.acos(clamp(toUnitInterval(v, basis))), Math.acos(clamp(toUnitInterval(u, basis)))];
}

/** d + 2 starting points: counts per interval by θ-length (largest remainder), Chebyshev extrema inside each. */
function initialReference(list: readonly [number, number][], count: number, basis: RealInterval): number[] {
  const weights = list.map(([u, v]) => { const [t0, t1] = thetaRange(u, v, basis); return Math.max(t1 - t0, 1e-300); });
  const total = weights.reduce((s, w) => s + w, 0);
  const exact = weights.map((w) => (w / total) * count);
  const counts = exact.map(Math.floor);
  let left = count - counts.reduce((s, c) => s + c, 0);
  const order = exact.map((e, i) => [e - Math.floor(e), i] as const).sort((p, q) => q[0] - p[0]);
  for (let k = 0; left > 0; k = (k + 1) % order.length, left--) counts[order[k]![1]]! += 1;
  const points: number[] = [];
  list.forEach(([u, v], s) => {
    const n = counts[s]!;
    if (n === 1) points.push((u + v) / 2);
    for (let k = 0; n > 1 && k < n; k++) points.push(u + ((v - u) * (1 - Math.cos((Math.PI * k) / (n - 1)))) / 2);
  });
  return points.sort((p, q) => p - q);
}

/** Rows T_0(t) … T_d(t) at t = t(x). */
function chebyshevRow(x: number, degree: number, basis: RealInterval, width = degree + 1): Float64Array {
  const row = new Float64Array(width);
  const t = toUnitInterval(x, basis);
  row[0] = 1;
  if (degree >= 1) row[1] = t;
  for (let j = 2; j <= degree; j++) row[j] = 2 * t * row[j - 1]! - row[j - 2]!;
  return row;
}

/** Least-squares solution of min ‖A·y − b‖ (A: rows, m ≥ n columns) by Householder QR; A and b are overwritten. */
function leastSquares(A: Float64Array[], b: Float64Array, n: number): Float64Array {
  const m = A.length;
  for (let k = 0; k < n; k++) {
    let norm = 0;
    for (let i = k; i < m; i++) norm = Math.hypot(norm, A[i]![k]!);
    if (norm === 0) continue;
    const alpha = A[k]![k]! > 0 ? -norm : norm;
    const v = new Float64Array(m - k);
    for (let i = k; i < m; i++) v[i - k] = A[i]![k]!;
    v[0] = v[0]! - alpha;
    let vv = 0;
    for (let i = 0; i < v.length; i++) vv += v[i]! * v[i]!;
    if (vv === 0) continue;
    for (let j = k; j < n; j++) {
      let s = 0;
      for (let i = k; i < m; i++) s += v[i - k]! * A[i]![j]!;
      s = (2 * s) / vv;
      for (let i = k; i < m; i++) A[i]![j] = A[i]![j]! - s * v[i - k]!;
    }
    let s = 0;
    for (let i = k; i < m; i++) s += v[i - k]! * b[i]!;
    s = (2 * s) / vv;
    for (let i = k; i < m; i++) b[i] = b[i]! - s * v[i - k]!;
  }
  const y = new Float64Array(n);
  for (let r = n - 1; r >= 0; r--) {
    let s = b[r]!;
    for (let k = r + 1; k < n; k++) s -= A[r]![k]! * y[k]!;
    y[r] = A[r]![r] === 0 ? 0 : s / A[r]![r]!;
  }
  return y;
}

/**
 * A near-minimax start for unions of intervals: Lawson's iteratively reweighted least squares (C. L. Lawson,
 * thesis, UCLA 1961) on Chebyshev–Lobatto points of every interval. Its weights concentrate on the alternation
 * set, which classical Remez needs as a starting reference when the intervals are many and short.
 */
function lawsonStart(f: (x: number) => number, list: readonly [number, number][], degree: number, basis: RealInterval): Float64Array {
  const n = degree + 2;
  const xs: number[] = [];
  const total = list.reduce((s, [u, v]) => { const [t0, t1] = thetaRange(u, v, basis); return s + (t1 - t0); }, 0);
  for (const [u, v] of list) {
    const [t0, t1] = thetaRange(u, v, basis);
    const k = Math.max(3, Math.ceil((4 * n * (t1 - t0)) / total));
    for (let i = 0; i < k; i++) xs.push(u + ((v - u) * (1 - Math.cos((Math.PI * i) / (k - 1)))) / 2);
  }
  const V = xs.map((x) => chebyshevRow(x, degree, basis));
  const fv = Float64Array.from(xs, (x) => sampleF(f, x));
  const w = new Float64Array(xs.length).fill(1 / xs.length);
  let c: Float64Array = new Float64Array(degree + 1);
  for (let it = 0; it < 40; it++) {
    const A = V.map((row, i) => row.map((v) => v * Math.sqrt(w[i]!)));
    const b = fv.map((v, i) => v * Math.sqrt(w[i]!));
    c = leastSquares(A, b, degree + 1);
    let sum = 0;
    for (let i = 0; i < xs.length; i++) {
      let p = 0;
      for (let j = 0; j <= degree; j++) p += V[i]![j]! * c[j]!;
      w[i] = w[i]! * Math.abs(p - fv[i]!);
      sum += w[i]!;
    }
    if (!(sum > 0)) break;
    for (let i = 0; i < xs.length; i++) w[i] = Math.max(w[i]! / sum, 1e-300);
  }
  return c;
}

/** Solves A·y = b in place by Gaussian elimination with partial pivoting. */
function solve(A: Float64Array[], b: Float64Array): Float64Array {
  const n = b.length;
  for (let col = 0; col < n; col++) {
    let piv = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(A[r]![col]!) > Math.abs(A[piv]![col]!)) piv = r;
    if (A[piv]![col] === 0) throw new RangeError('remez: singular reference system (repeated reference points?)');
    [A[col], A[piv]] = [A[piv]!, A[col]!];
    [b[col], b[piv]] = [b[piv]!, b[col]!];
    const pivotRow = A[col]!;
    for (let r = col + 1; r < n; r++) {
      const row = A[r]!;
      const m = row[col]! / pivotRow[col]!;
      if (m === 0) continue;
      for (let k = col; k < n; k++) row[k] = row[k]! - m * pivotRow[k]!;
      b[r] = b[r]! - m * b[col]!;
    }
  }
  const y = new Float64Array(n);
  for (let r = n - 1; r >= 0; r--) {
    let s = b[r]!;
    for (let k = r + 1; k < n; k++) s -= A[r]![k]! * y[k]!;
    y[r] = s / A[r]![r]!;
  }
  return y;
}

/** Coefficients and levelled error interpolating f with alternating error on the reference. */
function levelledSolve(f: (x: number) => number, ref: readonly number[], degree: number, basis: RealInterval): { c: Float64Array; E: number } {
  const n = degree + 2;
  const A: Float64Array[] = [];
  const b = new Float64Array(n);
  ref.forEach((x, i) => {
    const row = chebyshevRow(x, degree, basis, n);
    row[n - 1] = i % 2 === 0 ? 1 : -1;
    A.push(row);
    b[i] = sampleF(f, x);
  });
  const y = solve(A, b);
  return { c: y.slice(0, degree + 1), E: y[n - 1]! };
}

interface Candidate { x: number; e: number }

const GOLDEN = (Math.sqrt(5) - 1) / 2;

/** Maximises s·e on [lo, hi] by golden-section search (e unimodal there). */
function refine(err: (x: number) => number, lo: number, hi: number, s: number): Candidate {
  let a = lo;
  let b = hi;
  let x1 = b - GOLDEN * (b - a);
  let x2 = a + GOLDEN * (b - a);
  let f1 = s * err(x1);
  let f2 = s * err(x2);
  for (let it = 0; it < 48 && b - a > 1e-15 * Math.max(1, Math.abs(a)); it++) {
    if (f1 < f2) { a = x1; x1 = x2; f1 = f2; x2 = a + GOLDEN * (b - a); f2 = s * err(x2); }
    else { b = x2; x2 = x1; f2 = f1; x1 = b - GOLDEN * (b - a); f1 = s * err(x1); }
  }
  return f1 > f2 ? { x: x1, e: s * f1 } : { x: x2, e: s * f2 };
}

/** Local extrema of err over every interval (plus all end points), sorted by x. */
function extrema(err: (x: number) => number, list: readonly [number, number][], samples: number, basis: RealInterval): Candidate[] {
  const out: Candidate[] = [];
  for (const [u, v] of list) {
    const [th0, th1] = thetaRange(u, v, basis);
    const count = Math.max(6, Math.ceil((samples * (th1 - th0)) / Math.PI));
    const xs: number[] = [u];
    for (let k = 1; k < count - 1; k++) {
      const t = Math.cos(th1 - ((th1 - th0) * k) / (count - 1)); // increasing in x
      const x = ((basis[1] - basis[0]) * t + basis[0] + basis[1]) / 2;
      if (x > xs[xs.length - 1]! && x < v) xs.push(x);
    }
    xs.push(v);
    const es = xs.map(err);
    out.push({ x: u, e: es[0]! });
    for (let k = 1; k < xs.length - 1; k++) {
      const e = es[k]!;
      const isMax = e >= es[k - 1]! && e >= es[k + 1]!;
      const isMin = e <= es[k - 1]! && e <= es[k + 1]!;
      if (isMax || isMin) {
        const r = refine(err, xs[k - 1]!, xs[k + 1]!, isMax ? 1 : -1);
        out.push(Math.abs(r.e) >= Math.abs(e) ? r : { x: xs[k]!, e });
      }
    }
    out.push({ x: v, e: es[es.length - 1]! });
  }
  return out;
}

/** One point per run of equal sign (the largest |e|), then trimmed to `count` alternating points. */
function exchange(cands: readonly Candidate[], count: number): Candidate[] {
  const alt: Candidate[] = [];
  for (const c of cands) {
    const last = alt[alt.length - 1];
    if (last !== undefined && (last.e >= 0) === (c.e >= 0)) {
      if (Math.abs(c.e) > Math.abs(last.e)) alt[alt.length - 1] = c;
    } else alt.push(c);
  }
  while (alt.length > count) {
    if (alt.length - count === 1) {
      alt.splice(Math.abs(alt[0]!.e) < Math.abs(alt[alt.length - 1]!.e) ? 0 : alt.length - 1, 1);
      continue;
    }
    let j = 0;
    for (let i = 1; i < alt.length; i++) if (Math.abs(alt[i]!.e) < Math.abs(alt[j]!.e)) j = i;
    if (j === 0 || j === alt.length - 1) alt.splice(j, 1);
    else alt.splice(Math.abs(alt[j - 1]!.e) < Math.abs(alt[j + 1]!.e) ? j - 1 : j, 2);
  }
  return alt;
}

/**
 * The degree-`degree` polynomial minimising max |p − f| over the interval(s), in the Chebyshev basis of the hull
 * (or `options.basisInterval`). `intervals` is one [a, b] or a list of disjoint intervals. Degrees up to ~100 are
 * fine in float64; the attained error is reported (`maxError`) and is never worse than that of the best iterate.
 */
export function remez(f: (x: number) => number, intervals: RealInterval | readonly RealInterval[], degree: number, options: RemezOptions = {}): RemezResult {
  if (typeof f !== 'function') throw new TypeError('f must be a function');
  if (!Number.isInteger(degree) || degree < 0 || degree > 256) throw new RangeError(`degree must be an integer in [0, 256], got ${degree}`);
  const list = normaliseIntervals(intervals);
  const basis = options.basisInterval === undefined
    ? ([list[0]![0], list[list.length - 1]![1]] as const)
    : checkInterval(options.basisInterval, 'basisInterval');
  if (list[0]![0] < basis[0] || list[list.length - 1]![1] > basis[1]) throw new RangeError('basisInterval must contain every interval');
  const maxIterations = options.maxIterations ?? 60;
  if (!Number.isInteger(maxIterations) || maxIterations < 1) throw new RangeError('maxIterations must be a positive integer');
  const tolerance = options.tolerance ?? 1e-4;
  if (!(tolerance > 0 && tolerance < 1)) throw new RangeError('tolerance must be in (0, 1)');
  const samples = options.samples ?? 40 * (degree + 2);
  if (!Number.isInteger(samples) || samples < degree + 2) throw new RangeError(`samples must be an integer ≥ degree + 2 = ${degree + 2}`);
  const n = degree + 2;

  const measure = (c: Float64Array) => {
    const err = (x: number) => evaluateChebyshev(c, x, basis) - sampleF(f, x);
    const cands = extrema(err, list, samples, basis);
    return { cands, max: cands.reduce((m, k) => Math.max(m, Math.abs(k.e)), 0) };
  };
  // Fallbacks the result is never worse than: the Chebyshev interpolant on the basis interval and, for unions, a
  // Lawson approximation (whose alternation points also make a good first reference).
  const interp = chebyshevInterpolate(f, degree, basis);
  let best = { c: interp, max: measure(interp).max };
  let ref = initialReference(list, n, basis);
  if (list.length > 1) {
    const c0 = lawsonStart(f, list, degree, basis);
    const m0 = measure(c0);
    if (m0.max < best.max) best = { c: c0, max: m0.max };
    const start = exchange(m0.cands, n);
    if (start.length === n) ref = start.map((k) => k.x);
  }
  let bestRef = ref;
  let lowerBound = 0;
  let converged = false;
  let iterations = 0;
  let stale = 0;
  for (let it = 1; it <= maxIterations; it++) {
    iterations = it;
    const { c, E } = levelledSolve(f, ref, degree, basis);
    lowerBound = Math.max(lowerBound, Math.abs(E));
    const { cands, max } = measure(c);
    if (max < best.max) { best = { c, max }; bestRef = ref; stale = 0; } else if (++stale >= 8) break; // float64 noise floor
    // On the old reference e(x_i) = −(−1)^i·E exactly in exact arithmetic (taken as such, since rounding may flip
    // the computed signs when E is tiny); adding points never removes sign changes, so the exchange over
    // candidates ∪ reference finds d + 2 alternating points, the global maximum among them.
    const onRef = new Set(ref);
    const pool = cands.filter((k) => !onRef.has(k.x)).concat(ref.map((x, i) => ({ x, e: i % 2 === 0 ? -E : E })));
    pool.sort((p, q) => p.x - q.x);
    const next = exchange(pool, n);
    if (next.length < n) break; // only when E = 0 exactly (f is a polynomial of degree ≤ d)
    const minRef = next.reduce((m, k) => Math.min(m, Math.abs(k.e)), Infinity);
    if (max - minRef <= tolerance * max) {
      converged = max <= best.max * (1 + tolerance);
      break;
    }
    ref = next.map((k) => k.x);
  }
  return {
    coefficients: best.c, interval: [basis[0], basis[1]], maxError: best.max, levelledError: lowerBound,
    iterations, converged, reference: Float64Array.from(bestRef),
  };
}

/**
 * max |p(x) − f(x)| over `samplesPerInterval` equispaced points of each interval (end points included), for a
 * Chebyshev series p on `basisInterval`: an independent check of an approximation's error.
 */
export function maxApproximationError(f: (x: number) => number, coefficients: ArrayLike<number>,
  intervals: RealInterval | readonly RealInterval[], basisInterval: RealInterval, samplesPerInterval = 2000): number {
  const list = normaliseIntervals(intervals);
  const basis = checkInterval(basisInterval, 'basisInterval');
  if (!Number.isInteger(samplesPerInterval) || samplesPerInterval < 2) throw new RangeError('samplesPerInterval must be an integer ≥ 2');
  let worst = 0;
  for (const [u, v] of list) {
    for (let k = 0; k < samplesPerInterval; k++) {
      const x = u + ((v - u) * k) / (samplesPerInterval - 1);
      worst = Math.max(worst, Math.abs(evaluateChebyshev(coefficients, x, basis) - sampleF(f, x)));
    }
  }
  return worst;
}
