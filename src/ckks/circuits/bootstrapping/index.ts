/**
 * CKKS bootstrapping (see docs/bootstrapping.md): parameters and presets, the key report, the bootstrapper, and
 * its parts — the factorised homomorphic DFT, EvalMod, the failure probability — plus the scheme-level ModRaise
 * and sparse-secret encapsulation it builds on.
 */
export {
  type Complex, type ComplexArray, type ComplexDiagonals, type DftOptions, applyComplexDiagonals, bitReversed,
  coeffsToSlotsMatrices, decodeDirect, decodeStage, dftSpace, encodeStage, groupSizes, multiplyDiagonals,
  repackMatrix, scaleColumns, scaleDiagonals, scaleRows, slotsToCoeffsMatrices,
} from './dftFactorization.js';
export { EvalMod, type EvalModLiteral } from './evalMod.js';
export { chooseK, log2BootstrapFailure, log2CoefficientFailure } from './failureProbability.js';
export { BootstrappingParameters, type BootstrappingLiteral, type StageLevels } from './bootstrappingParameters.js';
export {
  type BootstrapPath, type BootstrappingKeyReport, type BootstrappingKeys, type DftMatrices, type KeyRequirement,
  bootstrapBabyStride, bootstrappingKeyReport, coeffsToSlotsScaling, dftMatrices,
  galoisKeyLevels, generateBootstrappingKeys, pathLayout, planRotationSteps, subSumSteps,
} from './bootstrappingKeys.js';
export { Bootstrapper, type BootstrapOptions, type BootstrapPhase } from './bootstrapper.js';
export { liftCentered, modRaise } from '../../scheme/modRaise.js';
export {
  digitsUpToLevel, levelledGaloisKey, levelledKeyBytes, levelledRelinearizationKey, restrictToLevel,
} from '../../scheme/levelledKeys.js';
export {
  EncapsulationKeys, MAX_LOG_EPHEMERAL_MODULUS, ephemeralModulusBits, generateEncapsulationKeys, modRaiseFromEphemeral,
  switchToEphemeral,
} from '../../scheme/sparseSecretEncapsulation.js';
export * from './bootstrappingPresets.js';
