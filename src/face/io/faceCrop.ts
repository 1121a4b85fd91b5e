/**
 * Aligned face crops as image files: the PNG form of the 112×112 RGB input that `embedFace` takes
 * (InsightFace template; `tools/align/` makes one from any photo). Runs in browsers and Node alike.
 */
import { FACE_SIZE } from '../preprocess.js';
import { decodePng, encodePng, type RgbImage } from './png.js';

/**
 * Decodes a PNG face crop and checks that it is 112×112. Throws `FaceInputError` naming `name`:
 * `WRONG_IMAGE_SIZE` (checked from the header, before inflating), `CORRUPT_IMAGE` or `UNSUPPORTED_IMAGE`.
 */
export function decodeFaceCrop(bytes: Uint8Array, name?: string): Promise<RgbImage> {
  return decodePng(bytes, { ...(name === undefined ? {} : { name }), expectedSize: { width: FACE_SIZE, height: FACE_SIZE } });
}

/** Encodes a 112×112 RGB face crop (112·112·3 bytes) as a PNG file. */
export function encodeFaceCrop(rgb: Uint8Array): Promise<Uint8Array> {
  if (!(rgb instanceof Uint8Array) || rgb.length !== FACE_SIZE * FACE_SIZE * 3) {
    throw new RangeError(`encodeFaceCrop: expected ${FACE_SIZE}×${FACE_SIZE}×3 = ${FACE_SIZE * FACE_SIZE * 3} bytes of RGB`);
  }
  return encodePng(rgb, FACE_SIZE, FACE_SIZE);
}
