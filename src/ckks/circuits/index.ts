/** Circuits built on the CKKS scheme: linear transforms, polynomial evaluation, bootstrapping. */
export * from './linearTransform/index.js';
export * from './polynomial/index.js';
export * from './bootstrapping/index.js';
