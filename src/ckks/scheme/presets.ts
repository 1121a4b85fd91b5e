/**
 * Named parameter presets. Each says its security estimate, its depth and where its chain comes from.
 * Security bounds are those of `security.ts` (128-bit classical, uniform ternary secret unless stated).
 */
import type { ParametersLiteral } from './parameters.js';

/*
 * The three single-special-prime presets below have SEAL's shape (node-seal's example chains) with the first
 * prime one bit smaller and the special prime one bit larger (SEAL: [60, 40…, 60]). Key-switching noise grows
 * with (largest digit)/P, and with one prime per digit the largest digit is q_0: at q_0 ≈ P a rotation came out
 * 2.4–2.7× noisier than a mul + relinearise + rescale; with P ≈ 4·q_0 it is on par (measured, see
 * test/scheme/rotationNoise.test.ts). The benchmarks against node-seal use SEAL's exact chains.
 */

/** N = 2^13, Q = [59, 40, 40], P = [61] (200 bits ≤ 218). Depth 2, scale 2^40. */
export const PN13QP200: Readonly<ParametersLiteral> = Object.freeze({ logN: 13, logQ: [59, 40, 40], logP: [61], logDefaultScale: 40 });

/** N = 2^14, Q = [59, 40×7], P = [61] (400 bits ≤ 438). Depth 7, scale 2^40. */
export const PN14QP400: Readonly<ParametersLiteral> = Object.freeze({
  logN: 14, logQ: [59, 40, 40, 40, 40, 40, 40, 40], logP: [61], logDefaultScale: 40,
});

/**
 * N = 2^15, Q = [59, 40×19], P = [61] (880 bits ≤ 881): depth 19 at scale 2^40, single special prime
 * (dnum = 20, like SEAL). Use PN15QP838D4 for fewer, larger key-switching digits.
 */
export const PN15QP880: Readonly<ParametersLiteral> = Object.freeze({
  logN: 15, logQ: [59, ...new Array<number>(19).fill(40)], logP: [61], logDefaultScale: 40,
});

/**
 * N = 2^15, Q = [55, 40×15], P = [61, 61, 61] (838 bits ≤ 881): depth 15 at scale 2^40, hybrid key switching
 * with dnum = 4 digits of 4 primes (≤ 175 bits each, below P ≈ 183 bits): keys hold 4 digits instead of 16.
 */
export const PN15QP838D4: Readonly<ParametersLiteral> = Object.freeze({
  logN: 15, logQ: [55, ...new Array<number>(15).fill(40)], logP: [61, 61, 61], logDefaultScale: 40, dnum: 4,
});

/**
 * N = 2^16, sparse ternary secret h = 192, Q = [60, 45×28], P = [61×3] (1503 bits ≤ 1546, the bound Lattigo's
 * N16QP1546H192H32 bootstrapping preset was estimated at, see security.ts): depth 28 at scale 2^45, dnum = 10.
 * A general-purpose deep chain: every rescaled prime is 45-bit, so mul + rescale keeps the scale at ≈ 2^45 over
 * the whole depth (a chain that mixes prime sizes under one default scale does not: the scale drifts by the
 * ratio at every rescale). Bootstrapping presets bring their own chains.
 */
export const PN16QP1503H192: Readonly<ParametersLiteral> = Object.freeze<ParametersLiteral>({
  logN: 16,
  logQ: [60, ...new Array<number>(28).fill(45)],
  logP: [61, 61, 61],
  logDefaultScale: 45,
  secret: { kind: 'sparse-ternary', hammingWeight: 192 } as const,
});
