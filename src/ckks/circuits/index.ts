/** Circuits built on the CKKS scheme: linear transforms, polynomial evaluation, (later) bootstrapping. */
export * from './linearTransform/index.js';
export * from './polynomial/index.js';
