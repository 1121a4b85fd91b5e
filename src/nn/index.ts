/**
 * Plaintext float64 neural-network layers for CryptoFace (Ao & Boddeti, CVPR 2025): the reference twins
 * the encrypted CKKS layers are tested against. CHW tensors, PyTorch weight layouts and semantics.
 */
export { type Tensor3, zeros3, tensor3, add3, sameShape } from './tensor.js';
export { type ConvWeight, type Conv2dOptions, conv2d, convWeight, convOutSize } from './conv2d.js';
export { type HerpnCoefficients, type HerpnTrainingParams, herpn, herpnMonic, herpnFromTraining, herpnToMonic } from './herpn.js';
export { avgPool2d, adaptiveAvgPool2d } from './pool.js';
export {
  type BatchNormParams,
  type ChannelAffine,
  bnToAffine,
  channelAffine3,
  vectorAffine,
  scaleConvInputs,
  foldBnIntoConv,
  foldBnIntoLinear,
} from './batchnorm.js';
export { type Matrix, matrix, linear, splitColumns } from './linear.js';
