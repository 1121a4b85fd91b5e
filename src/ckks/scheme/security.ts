/**
 * Security bounds: the largest log2(Q·P) for which RLWE with ring degree N is estimated to give 128-bit
 * classical security, by secret distribution.
 *
 * - Uniform ternary secret, N = 2^10 … 2^15: the HomomorphicEncryption.org Security Standard
 *   (Albrecht et al., 2018, Table 1, "ternary, 128-bit classical"): 27, 54, 109, 218, 438, 881.
 * - Uniform ternary secret, N = 2^16 and 2^17: "Security Guidelines for Implementing Homomorphic
 *   Encryption" (Bossuat, Cammarota, Chillotti et al., 2024; tables produced with the lattice estimator):
 *   1747 and 3523.
 * - Sparse ternary secret of Hamming weight h ≥ 192 at N = 2^16: 1546 bits, the bound Lattigo's
 *   bootstrapping presets (N16QP1546H192H32, Bossuat et al. 2021/2022) were estimated at for 128 bits.
 *   No bound is claimed for sparser secrets or other N: those parameters are refused unless marked insecure.
 */
import type { SecretDistribution } from './parameters.js';

const TERNARY_128: Readonly<Record<number, number>> = {
  10: 27, 11: 54, 12: 109, 13: 218, 14: 438, 15: 881, 16: 1747, 17: 3523,
};

const SPARSE_128: ReadonlyArray<{ logN: number; minHammingWeight: number; maxLogQP: number }> = [
  { logN: 16, minHammingWeight: 192, maxLogQP: 1546 },
];

/**
 * The largest log2(QP) estimated at 128-bit classical security for this ring degree and secret, or
 * undefined when no estimate is known (such parameters must be marked insecure explicitly).
 */
export function maxLogQP128(logN: number, secret: SecretDistribution): number | undefined {
  if (secret.kind === 'ternary') return TERNARY_128[logN];
  const row = SPARSE_128.find((r) => r.logN === logN && secret.hammingWeight >= r.minHammingWeight);
  return row?.maxLogQP;
}
