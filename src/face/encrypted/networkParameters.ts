/**
 * CKKS parameters for the encrypted CFNet4 layers (issue "encrypted CryptoFaceNet layers"; CryptoFace reference
 * §5.1, §5.10 for the original's 30-level SEAL chain with dnum = 31).
 *
 * `CFNET4_N16`: N = 2^16 (2^15 slots: the four 32×32 patches of CFNet4 as one 64×64 mosaic, reference layouts of
 * §5.3 with the patch index), uniform ternary secret, Q = [60, 45×17], P = [61×6], Δ = 2^45. log2(QP) = 1191 ≤ 1747,
 * the 128-bit bound for N = 2^16 (2024 HE security guidelines; src/ckks/scheme/security.ts). 17 levels: the stem
 * and blocks 0–3 take 17 (1 + 4·4) before the refresh, block 4, the pooling HerPN, gather and fusion take 7 after
 * a refresh to level 7. dnum = 3 (digits of 6 primes ≤ 285 bits < P ≈ 366 bits): a full key is 2·3·24·N·8 B =
 * 75 MB, levelled keys (each restricted to its level) average about a third of that.
 * Precision: fresh public-key encryption at N = 2^16 with a dense secret leaves ≈ 1e-7·2^40/Δ in every slot, and
 * the network amplifies input perturbations ≈ 100×: at Δ = 2^40 the fused feature was within 2.5e-5 of float64,
 * at Δ = 2^45 (same limbs, same speed) ≈ 32× closer (bench/results/layers-*.md).
 */
import type { ParametersLiteral } from '../../ckks/scheme/parameters.js';

export const CFNET4_N16: Readonly<ParametersLiteral> = Object.freeze({
  logN: 16,
  logQ: [60, ...new Array<number>(17).fill(45)],
  logP: new Array<number>(6).fill(61),
  logDefaultScale: 45,
});

/** Level the encrypted input starts at and the level the refresh returns, for CFNET4_N16. */
export const CFNET4_N16_LEVELS = Object.freeze({ inputLevel: 17, refreshLevel: 7 });
