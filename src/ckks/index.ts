/**
 * Public API of the CKKS library. Layer by layer (Lattigo-style): the ring layer (primes, NTT, RNS
 * polynomials, base conversion, automorphisms, sampling) first; the scheme and circuits build on it.
 */
export { CkksError, type CkksErrorCode } from './errors.js';
export * from './ring/index.js';
export * from './scheme/index.js';
export * from './serialization/index.js';
export * from './circuits/index.js';
export * from './parallel/index.js';
