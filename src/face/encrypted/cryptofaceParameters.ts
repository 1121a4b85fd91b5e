/**
 * One CKKS parameter set for the whole encrypted CryptoFaceNet (issue 15): the network's layers before the refresh,
 * the bootstrapping that refreshes block 3's output (CoeffsToSlots / EvalMod / SlotsToCoeffs), and after it block 4,
 * the pooling, the gather, the fusion and `POST_FUSION_LEVELS` more for the encrypted normalisation and matching.
 *
 * Level budget (docs/encrypted-network.md §4; a block costs 4 levels: HerPN, conv, HerPN, conv2 + shortcut):
 * - before the refresh: stem 1 + blocks 0–3, 4 each = 17 levels, input at level 17, block 3's output at level 0;
 * - the bootstrap (2^14 sparse slots, see below): CoeffsToSlots 3 + EvalMod 8 (cosine of degree 30: 5, three double
 *   angles: 3) + SlotsToCoeffs 3 = 14 levels on top of the output level;
 * - after the refresh: block 4 4 + pool HerPN 1 + gather 1 + fusion 1 = 7, plus `POST_FUSION_LEVELS` = 7 (y·p(‖y‖²)
 *   with p quadratic: mask 1, square 1, polynomial 2, product 1; match: difference squared 1; verdict mask × random
 *   multiplier 1): the refresh must return level 14.
 * - Chain, bottom-up: q_0 (60 bits), 17 primes of 45 bits (levels 1–17), EvalMod 8 × 58 bits (18–25), CoeffsToSlots
 *   3 × 51 bits (26–28). The bootstrap's output level is 28 − 14 = 14, and SlotsToCoeffs runs on levels 17 … 15: the
 *   three top primes of the 45-bit band serve the input's first three layers AND SlotsToCoeffs (whose scale is the
 *   output scale, ≈ 2^45·B), so 17 residual primes hold both the 17 levels before and the 14 + 3 after.
 * Primes:
 * - Δ = 2^45 on 45-bit primes (CFNET4_N16's choice: fresh-encryption noise ≈ 1e-7·2^40/Δ per slot is amplified ≈ 100×
 *   by the network; at 2^45 the fused feature was 7e-7 from float64);
 * - q_0 = 60 bits: the bootstrap's input scale is at most q_0/2^8 = 2^52 ≥ Δ·B, and q_0 ≥ 2^15·Δ leaves the decryption
 *   of block 3's output exact;
 * - EvalMod 58, CoeffsToSlots 51 bits and P = 5 × 61 as the bootstrapping preset N16QP1740FACE (measured there: 24.3
 *   bits mean, 22.2 bits minimum at N = 2^13 with 2^12 slots; the EvalMod primes set the precision, ≈ size − 34 bits);
 * - dnum = ⌈29/5⌉ = 6 digits of 5 primes; the largest digit (five EvalMod primes, 290 bits) stays below P ≈ 305 bits.
 * Security (src/ckks/scheme/security.ts): dense uniform ternary main secret, log2(QP) = 60 + 17·45 + 8·58 + 3·51 +
 * 5·61 = 1747 nominal (each prime lies just below its power of two, so slightly less) ≤ 1747, the 128-bit bound for
 * N = 2^16 (2024 guidelines). Bootstrapping goes through sparse-secret encapsulation (h' = 32, the dense-to-sparse key
 * modulo q_0·p_0 < 2^121), as the presets do.
 * Slots: the network packs 2^15 slots; at the refresh point (stage C, gap 4, 64 channels: 4 blocks of 4096 slots)
 * every ciphertext's slot vector has period 2^14 (two replicas), so it is a valid 2^14-slot sparse ciphertext
 * (test/face/bootstrapRefresher.test.ts): the bootstrap runs on 2^14 slots (one SubSum rotation, smaller DFTs).
 */
import type { ParametersLiteral } from '../../ckks/scheme/parameters.js';
import type { BootstrappingLiteral } from '../../ckks/circuits/bootstrapping/bootstrappingParameters.js';

/**
 * Levels kept after the fusion for the encrypted normalisation and matching (mask 1, square 1, quadratic 2,
 * product 1, difference squared 1, verdict mask × random multiplier 1). Change it here: the chain follows.
 */
export const POST_FUSION_LEVELS = 7;

/** Levels the network consumes before the refresh (stem + blocks 0–3) and after it up to the fusion. */
export const NETWORK_LEVELS_BEFORE_REFRESH = 17;
export const NETWORK_LEVELS_AFTER_REFRESH = 7;

/** The bootstrap's shape: levels of its three stages, slots, EvalMod. */
export const CRYPTOFACE_BOOTSTRAPPING: Readonly<BootstrappingLiteral> = Object.freeze({
  logSlots: 14,
  coeffsToSlotsLevels: 3,
  slotsToCoeffsLevels: 3,
  evalMod: Object.freeze({ K: 15, doubleAngle: 3, degree: 30, logMessageRatio: 8 }),
  ephemeralHammingWeight: 32,
});

const fill = (count: number, bits: number): number[] => new Array<number>(count).fill(bits);

export interface CryptofaceChainOptions {
  /** log2 N (16 for the secure preset; smaller ones are insecure and for tests only). */
  readonly logN?: number;
  /** Levels after the fusion (default POST_FUSION_LEVELS). */
  readonly postFusionLevels?: number;
  /** log2 of the bootstrap's slots (default 14; tests at smaller N pass logN − 2). */
  readonly logSlots?: number;
  /** Mark the parameters insecure (required below N = 2^16). */
  readonly insecure?: boolean;
}

/** The parameter set, the bootstrapping literal and the network's levels for a chain of this shape. */
export interface CryptofaceParameterSet {
  readonly params: Readonly<ParametersLiteral>;
  readonly bootstrapping: Readonly<BootstrappingLiteral>;
  /** Level of the encrypted input, and the level the refresh (the bootstrap's output level) returns. */
  readonly levels: { readonly inputLevel: number; readonly refreshLevel: number };
  /** Levels left after the fusion (≥ postFusionLevels). */
  readonly levelsAfterFusion: number;
}

/**
 * The chain described above for any ring degree and post-fusion depth: 45-bit band of max(17, 7 + extra + 3)
 * primes above q_0 (the top three double as SlotsToCoeffs), EvalMod 8 × 58, CoeffsToSlots 3 × 51, P = 5 × 61.
 */
export function cryptofaceParameterSet(options: CryptofaceChainOptions = {}): CryptofaceParameterSet {
  const logN = options.logN ?? 16;
  const extra = options.postFusionLevels ?? POST_FUSION_LEVELS;
  if (!Number.isInteger(extra) || extra < 0 || extra > 20) throw new RangeError(`postFusionLevels must be an integer in [0, 20], got ${extra}`);
  const logSlots = options.logSlots ?? 14;
  const boot = { ...CRYPTOFACE_BOOTSTRAPPING, logSlots };
  const stc = boot.slotsToCoeffsLevels;
  const band = Math.max(NETWORK_LEVELS_BEFORE_REFRESH, NETWORK_LEVELS_AFTER_REFRESH + extra + stc);
  const refreshLevel = band - stc;
  const params: ParametersLiteral = {
    logN,
    logQ: [60, ...fill(band, 45), ...fill(8, 58), ...fill(boot.coeffsToSlotsLevels, 51)],
    logP: fill(5, 61),
    logDefaultScale: 45,
    ...(options.insecure === true ? { insecure: true } : {}),
  };
  return Object.freeze({
    params: Object.freeze(params),
    bootstrapping: Object.freeze(boot),
    levels: Object.freeze({ inputLevel: NETWORK_LEVELS_BEFORE_REFRESH, refreshLevel }),
    levelsAfterFusion: refreshLevel - NETWORK_LEVELS_AFTER_REFRESH,
  });
}

/** The secure set: N = 2^16, 128-bit, 14 levels after the refresh (7 left after the fusion). */
export const CRYPTOFACE_N16: CryptofaceParameterSet = cryptofaceParameterSet();

/**
 * B: block 3's output is divided by B before the bootstrap (|m/B| ≤ 1 is what the bootstrap's precision is stated
 * for) and multiplied back after it, both by relabelling the scale (bootstrapRefresher.ts). Measured maximum
 * |activation| at the refresh point of the trained CFNet4 (bench/refreshBound.ts: 3 reference faces × 11
 * augmentations — flip, brightness ×0.6/×1.4, contrast ×0.5/×1.5, noise σ 12/25, shifts ±6 px, grey): 13.7 (grey
 * face 0; originals 10.6–11.1); out-of-distribution inputs (inverted, noise σ 60) reach 14.9. B = 32 leaves a margin
 * of 2.3× (|m/B| ≤ 0.43 in distribution) and is the largest power of two for which the bootstrap's output scale
 * (refresh scale × B ≈ 2^50) stays at EvalMod's output scale q_EvalMod/2^8 = 2^50.
 */
export const CRYPTOFACE_REFRESH_BOUND = 32;
