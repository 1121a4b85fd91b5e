/** Circuits built on the CKKS scheme: linear transforms, polynomial evaluation, bootstrapping, and a level/scale planner. */
export * from './linearTransform/index.js';
export * from './polynomial/index.js';
export * from './bootstrapping/index.js';
export { CircuitPlan, type CiphertextState, type PlannedStep } from './planner.js';
