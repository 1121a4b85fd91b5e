/**
 * Reading an aligned face crop from disk for the command-line tool (Node only: never imported by
 * src/ckks, src/nn or src/face). The file must be a 112×112 PNG (`tools/align/` makes one from any photo);
 * every error names the file.
 */
import { readFile, stat } from 'node:fs/promises';
import { FaceInputError } from '../face/errors.js';
import { decodeFaceCrop } from '../face/io/faceCrop.js';
import type { RgbImage } from '../face/io/png.js';

/** Larger files are refused before reading: a 112×112 RGB PNG is at most ~38 KB even uncompressed. */
export const MAX_FACE_FILE_BYTES = 1 << 24;

/**
 * Reads, decodes and checks a 112×112 PNG face crop. Throws `FaceInputError` (`CORRUPT_IMAGE`,
 * `UNSUPPORTED_IMAGE`, `WRONG_IMAGE_SIZE`) for a bad file, or an `Error` with the system code (`ENOENT`,
 * `EACCES`, `EISDIR`, …) in `code` when the file cannot be read; both messages start with the path.
 */
export async function readFaceCrop(path: string): Promise<RgbImage> {
  if (typeof path !== 'string' || path.length === 0) throw new TypeError('readFaceCrop: path must be a non-empty string');
  let bytes: Uint8Array;
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    if (info.size > MAX_FACE_FILE_BYTES) {
      throw new FaceInputError('UNSUPPORTED_IMAGE', `file is ${info.size} bytes, too large for a 112×112 face crop (limit ${MAX_FACE_FILE_BYTES})`, path);
    }
    bytes = await readFile(path);
  } catch (e) {
    if (e instanceof FaceInputError) throw e;
    const code = (e as { code?: unknown }).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : e instanceof Error ? e.message : String(e);
    throw Object.assign(new Error(`${path}: cannot read the file (${why})`, { cause: e }), { code });
  }
  return decodeFaceCrop(bytes, path);
}
