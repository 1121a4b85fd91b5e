/** Homomorphic linear transforms (BSGS diagonal method with hoisting) and matrix helpers. */
export {
  type DenseMatrix, type DiagonalMatrix, type SlotVector,
  applyDiagonalsPlain, cyclicMatrixDiagonals, matrixDiagonals, mergeDiagonals,
} from './diagonals.js';
export {
  type BsgsPlan, LinearTransform, type LinearTransformOptions, keySwitchCount, planBsgs, rotationKeysFor,
} from './linearTransform.js';
export { mask, replicate } from './slotHelpers.js';
