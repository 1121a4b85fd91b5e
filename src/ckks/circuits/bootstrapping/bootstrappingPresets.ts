/**
 * Bootstrapping presets: a CKKS parameter set (its chain laid out for the bootstrapping stages) with its
 * bootstrapping literal. Each says its security, its K and failure probability, and where it comes from;
 * measured precision and timings are in docs/bootstrapping.md and bench/results/.
 *
 * Chains are listed bottom-up: q_0 and the residual levels, then SlotsToCoeffs, EvalMod, CoeffsToSlots (the top).
 */
import type { ParametersLiteral } from '../../scheme/parameters.js';
import type { BootstrappingLiteral } from './bootstrappingParameters.js';

export interface BootstrappingPreset {
  readonly name: string;
  readonly params: Readonly<ParametersLiteral>;
  readonly bootstrapping: Readonly<BootstrappingLiteral>;
}

const fill = (count: number, bits: number): number[] => new Array<number>(count).fill(bits);

/**
 * Mirror of Lattigo's N16QP1546H192H32 (Bossuat–Troncoso-Pastoriza–Hubaux 2022, default_parameters.go): N = 2^16,
 * full slots (2^15), sparse main secret h = 192, ephemeral secret h' = 32, message ratio 2^8, CoeffsToSlots in 4
 * levels, SlotsToCoeffs in 3, 9 levels left at scale 2^40. Lattigo reports 26.6 bits of precision for 2^15 slots.
 * Chain (Lattigo's): residual [60, 40×9], SlotsToCoeffs [39×3], EvalMod [60×8], CoeffsToSlots [56×4];
 * P = [61×5], dnum 5. log2(QP) ≤ 1546, the 128-bit estimate for h = 192 at N = 2^16 (security.ts); the
 * dense-to-sparse key lives modulo q_0·p_0 < 2^121, Lattigo's 128-bit bound for h' = 32.
 * EvalMod (8 levels, as Lattigo): the cosine interpolated at the integers |i| ≤ 15 (degree 30, Han–Ki), 3 double
 * angles, no arcsine. K = 15: a coefficient fails when |I| = 16, with probability 2/33! (Irwin–Hall), i.e.
 * 2^-105.7 over the 2^16 coefficients (Lattigo states 2^-138.7 for the same interval: the probability of |x| > 16).
 */
export const N16QP1546H192H32: BootstrappingPreset = Object.freeze({
  name: 'N16QP1546H192H32',
  params: Object.freeze<ParametersLiteral>({
    logN: 16,
    logQ: [60, ...fill(9, 40), ...fill(3, 39), ...fill(8, 60), ...fill(4, 56)],
    logP: fill(5, 61),
    logDefaultScale: 40,
    secret: { kind: 'sparse-ternary', hammingWeight: 192 } as const,
  }),
  bootstrapping: Object.freeze<BootstrappingLiteral>({
    coeffsToSlotsLevels: 4,
    slotsToCoeffsLevels: 3,
    evalMod: { K: 15, doubleAngle: 3, degree: 30, logMessageRatio: 8 },
    ephemeralHammingWeight: 32,
  }),
});

/**
 * For the encrypted face network (docs/bootstrapping.md, "choosing parameters"): one 2^14-slot bootstrap between
 * blocks 4 and 5, after which the network needs 16 levels (×B undoing the pre-scaling 1, block 5 6, pooling
 * HerPN/pool/BN1d/FC 4, L2 normalisation 4, match 1; ../shared/cryptoface-reference.md §5.10) at scale 2^40.
 * Dense (uniform ternary) main secret, protected by the HE standard's bound for N = 2^16 (1747 bits, 2024
 * guidelines), with sparse-secret encapsulation (h' = 32, q_0·p_0 < 2^121).
 * Chain: residual [58, 40×16], SlotsToCoeffs [40×3], EvalMod [58×8], CoeffsToSlots [51×3]; P = [61×5] (dnum 7):
 * log2(QP) ≈ 1740 ≤ 1747. The EvalMod primes set the precision (≈ their size − 34 bits at this depth: measured at
 * N = 2^13 with 2^12 slots, 60/56-bit EvalMod/CtS primes and P = 61×4 give 26.2 bits but 10.8 GB of keys at
 * N = 2^16; 58/51 and P = 61×5, 24.3 bits and 8.9 GB; 53/47 and P = 61×6, 19.1 bits and 7.7 GB).
 * EvalMod as in the Lattigo mirror (K = 15: failure probability 2^-106.7 over the 2^15 coefficients of 2^14 slots).
 */
export const N16QP1740FACE: BootstrappingPreset = Object.freeze({
  name: 'N16QP1740FACE',
  params: Object.freeze<ParametersLiteral>({
    logN: 16,
    logQ: [58, ...fill(16, 40), ...fill(3, 40), ...fill(8, 58), ...fill(3, 51)],
    logP: fill(5, 61),
    logDefaultScale: 40,
  }),
  bootstrapping: Object.freeze<BootstrappingLiteral>({
    logSlots: 14,
    coeffsToSlotsLevels: 3,
    slotsToCoeffsLevels: 3,
    evalMod: { K: 15, doubleAngle: 3, degree: 30, logMessageRatio: 8 },
    ephemeralHammingWeight: 32,
  }),
});

/** The presets by name. */
export const BOOTSTRAPPING_PRESETS: Readonly<Record<string, BootstrappingPreset>> = Object.freeze({
  [N16QP1546H192H32.name]: N16QP1546H192H32,
  [N16QP1740FACE.name]: N16QP1740FACE,
});
