/**
 * Named parameter presets. Each says its security estimate, its depth and where its chain comes from.
 * Security bounds are those of `security.ts` (128-bit classical, uniform ternary secret unless stated).
 */
import type { ParametersLiteral } from './parameters.js';

/** N = 2^13, Q = [60, 40, 40], P = [60] (200 bits ≤ 218): node-seal / SEAL's classic example chain. Depth 2, scale 2^40. */
export const PN13QP200: Readonly<ParametersLiteral> = Object.freeze({ logN: 13, logQ: [60, 40, 40], logP: [60], logDefaultScale: 40 });

/** N = 2^14, Q = [60, 40×7], P = [60] (400 bits ≤ 438): node-seal comparison chain. Depth 7, scale 2^40. */
export const PN14QP400: Readonly<ParametersLiteral> = Object.freeze({
  logN: 14, logQ: [60, 40, 40, 40, 40, 40, 40, 40], logP: [60], logDefaultScale: 40,
});

/**
 * N = 2^15, Q = [60, 40×19], P = [60] (880 bits ≤ 881): depth 19 at scale 2^40, single special prime
 * (dnum = 20, like SEAL). Use PN15QP838D4 for fewer, larger key-switching digits.
 */
export const PN15QP880: Readonly<ParametersLiteral> = Object.freeze({
  logN: 15, logQ: [60, ...new Array<number>(19).fill(40)], logP: [60], logDefaultScale: 40,
});

/**
 * N = 2^15, Q = [55, 40×15], P = [61, 61, 61] (838 bits ≤ 881): depth 15 at scale 2^40, hybrid key switching
 * with dnum = 4 digits of 4 primes (≤ 175 bits each, below P ≈ 183 bits): keys hold 4 digits instead of 16.
 */
export const PN15QP838D4: Readonly<ParametersLiteral> = Object.freeze({
  logN: 15, logQ: [55, ...new Array<number>(15).fill(40)], logP: [61, 61, 61], logDefaultScale: 40, dnum: 4,
});

/**
 * N = 2^16, sparse ternary secret h = 192, Q = [60, 45×24, 58×3], P = [61×3] (1497 bits ≤ 1546, the bound
 * Lattigo's N16QP1546H192H32 bootstrapping preset was estimated at, see security.ts): depth 27, dnum = 10.
 * A general-purpose deep chain; bootstrapping presets will refine it.
 */
export const PN16QP1497H192: Readonly<ParametersLiteral> = Object.freeze<ParametersLiteral>({
  logN: 16,
  logQ: [60, ...new Array<number>(24).fill(45), 58, 58, 58],
  logP: [61, 61, 61],
  logDefaultScale: 45,
  secret: { kind: 'sparse-ternary', hammingWeight: 192 } as const,
});
