/**
 * The failure probability of bootstrapping's modular reduction and the choice of K from it.
 *
 * After ModRaise a coefficient is t = [c_0] + Σ_{j∈supp(s)} ±[c_1]_j (centred residues modulo q_0, the ciphertext
 * being uniform), so x = t/q_0 is a sum of h + 1 independent uniforms on [−1/2, 1/2) for a secret of Hamming
 * weight h (Cheon–Han–Kim–Kim–Song 2018, §4.1; Bossuat et al. 2021, §5.1, and 2022 for the sparse ephemeral secret).
 * EvalMod handles |round(x)| ≤ K, so a coefficient fails when |x| > K + 1/2. Since |x| ≤ (h + 1)/2 always,
 * K ≥ h/2 gives probability exactly 0.
 *
 * Per coefficient, P(|S − m/2| > K + 1/2) = 2·F_m(m/2 − K − 1/2) for S an Irwin–Hall variable (m = h + 1 uniforms on
 * [0, 1)), with F_m(x) = (1/m!)·Σ_{k ≤ ⌊x⌋} (−1)^k·C(m, k)·(x − k)^m, computed exactly with BigInt rationals (the
 * alternating sum is hopeless in float64 at 2^-128). For m > 2048 (dense secrets) Hoeffding's bound
 * 2·exp(−2(K + 1/2)²/m) is used instead. The union bound over the coefficients that are reduced (N for full slots,
 * 2n for n sparse slots) gives the bootstrapping failure probability.
 */

/** log2 of the probability that one coefficient leaves the handled range (−Infinity when impossible). */
export function log2CoefficientFailure(hammingWeight: number, K: number): number {
  if (!Number.isInteger(hammingWeight) || hammingWeight < 0) throw new RangeError(`Hamming weight must be a non-negative integer, got ${hammingWeight}`);
  if (!Number.isInteger(K) || K < 0) throw new RangeError(`K must be a non-negative integer, got ${K}`);
  const m = hammingWeight + 1;
  // x = m/2 − K − 1/2 = X/2 with X = m − 2K − 1
  const X = m - 2 * K - 1;
  if (X <= 0) return -Infinity;
  if (m > 2048) return 1 + Math.log2(Math.exp(1)) * (-2 * (K + 0.5) ** 2 / m);
  // F_m(X/2) = Σ_{k ≤ X/2} (−1)^k C(m, k) (X − 2k)^m / (2^m · m!)
  let sum = 0n;
  let binomial = 1n;
  for (let k = 0; 2 * k <= X; k++) {
    if (k > 0) binomial = (binomial * BigInt(m - k + 1)) / BigInt(k);
    const term = binomial * BigInt(X - 2 * k) ** BigInt(m);
    sum += k % 2 === 0 ? term : -term;
  }
  let denominator = 1n << BigInt(m);
  for (let i = 2n; i <= BigInt(m); i++) denominator *= i;
  return Math.min(0, 1 + log2Ratio(sum, denominator)); // ×2 for both tails
}

/** log2(a/b) for positive BigInts of any size. */
function log2Ratio(a: bigint, b: bigint): number {
  if (a <= 0n) return -Infinity;
  return log2Big(a) - log2Big(b);
}

function log2Big(x: bigint): number {
  const bits = x.toString(2).length;
  if (bits <= 53) return Math.log2(Number(x));
  return bits - 53 + Math.log2(Number(x >> BigInt(bits - 53)));
}

/** log2 of the probability that any of `coefficients` coefficients fails (union bound, capped at 0). */
export function log2BootstrapFailure(hammingWeight: number, K: number, coefficients: number): number {
  if (!Number.isInteger(coefficients) || coefficients < 1) throw new RangeError(`coefficient count must be a positive integer, got ${coefficients}`);
  return Math.min(0, log2CoefficientFailure(hammingWeight, K) + Math.log2(coefficients));
}

/** The smallest K whose failure probability over `coefficients` coefficients is at most 2^log2Target. */
export function chooseK(hammingWeight: number, coefficients: number, log2Target: number): number {
  if (!(log2Target < 0)) throw new RangeError(`the target failure probability must be below 1 (log2 < 0), got ${log2Target}`);
  for (let K = 1; ; K++) if (log2BootstrapFailure(hammingWeight, K, coefficients) <= log2Target) return K;
}
