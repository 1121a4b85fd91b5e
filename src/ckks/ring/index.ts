/** The ring layer: arithmetic in Z_Q[X]/(X^N + 1) with Q a product of word-sized NTT-friendly primes. */
export { Modulus, MAX_MODULUS, MAX_RNS_MODULUS } from './modulus.js';
export { TWO_POW_64, bitLength, bitReverse, mod, modInverse, modPow, shoupCompanion } from './modularScalar.js';
export {
  addMod, addScalarMod, mulMod, mulMontgomery, mulScalarShoup, mulShoup, negMod, reduceBarrett, shoupCompanions, subMod,
} from './modularKernels.js';
export { generateNttPrimes, isPrime, primitiveRootOfUnity } from './primes.js';
export { MAX_LOG_N, MIN_LOG_N, NttTable, nttForward, nttInverse } from './ntt.js';
export { RnsBasis } from './rnsBasis.js';
export {
  RnsPoly, polyAdd, polyMul, polyMulRnsScalar, polyMulScalar, polyNeg, polySub, type PolyForm,
} from './rnsPoly.js';
export {
  applyAutomorphism, composeGaloisElements, conjugationElement, galoisElementForRotation, inverseGaloisElement,
} from './automorphism.js';
export { BaseConverter, ModUpConverter, fastBaseConvert, modUp } from './baseConversion.js';
export { ModDownConverter } from './modDown.js';
export { rescaleByLastPrime } from './rescale.js';
export { CrtReconstructor, crtReconstruct, crtReconstructCentered, crtReconstructPoly, crtReconstructPolyCentered, crtReconstructorFor } from './crt.js';
export { ChaCha20Stream, chacha20Block, chacha20Xor } from './chacha20.js';
export { RandomReader, type RandomSource, randomUint64, seededRandom, systemRandom } from './randomSource.js';
export { ERROR_BOUND_SIGMAS, sampleError, sampleGaussian, sampleTernaryHammingWeight, sampleTernaryUniform, sampleUniformModQ, smallToResidues } from './sampling.js';
