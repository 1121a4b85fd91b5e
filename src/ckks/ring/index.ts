/** The ring layer: arithmetic in Z_Q[X]/(X^N + 1) with Q a product of word-sized NTT-friendly primes. */
export { Modulus, MAX_MODULUS } from './modulus.js';
export { TWO_POW_64, bitLength, bitReverse, mod, modInverse, modPow, shoupCompanion } from './modularScalar.js';
export {
  addMod, mulMod, mulMontgomery, mulScalarShoup, mulShoup, negMod, reduceBarrett, shoupCompanions, subMod,
} from './modularKernels.js';
export { generateNttPrimes, isPrime, primitiveRootOfUnity } from './primes.js';
export { MAX_LOG_N, MIN_LOG_N, NttTable, nttForward, nttInverse } from './ntt.js';
export { RnsBasis } from './rnsBasis.js';
export {
  RnsPoly, polyAdd, polyMul, polyMulRnsScalar, polyMulScalar, polyNeg, polySub, type PolyForm,
} from './rnsPoly.js';
