/** Homomorphic linear transforms (BSGS diagonal method with hoisting) and matrix helpers. */
export {
  type BlockOffsets, type ComplexSlots, type DenseMatrix, type DiagonalMatrix, type RealDenseMatrix, type SlotVector,
  applyDiagonalsPlain, checkDiagonalMatrix, cyclicMatrixDiagonals, matrixDiagonals, mergeDiagonals,
} from './diagonals.js';
export {
  type BsgsPlan, LinearTransform, type LinearTransformOptions, keySwitchCount, planBsgs, rotationKeysFor,
} from './linearTransform.js';
export { mask, replicate } from './slotHelpers.js';
