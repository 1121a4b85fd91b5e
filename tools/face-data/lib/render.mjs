// Render one dataset item: the 112x112 student crop and the 150x150 teacher view of the SAME augmented face
// instance (same geometry, same blend, same colour jitter, blur scaled to the view, same JPEG quality).
import { warpAffine, compose, similarityAbout, teacherViewMatrix, FLIP_112, TEACHER_BOX_112 } from './align.mjs';
import { colourJitter, gaussianBlur, toU8, NO_AUG } from './augment.mjs';
import { jpegRoundTrip } from './image-io.mjs';
import { describe, DESCRIPTOR_SIZE } from './faceapi.mjs';

export const SIZE = 112;
const TEACHER_SCALE = DESCRIPTOR_SIZE / TEACHER_BOX_112.side; // teacher-view pixels per 112-frame pixel
const T150 = teacherViewMatrix(DESCRIPTOR_SIZE);

/** Source -> 112-frame map for alignment A under augmentation a: flip ∘ jitter ∘ A. */
export function itemMatrix(A, a) {
  let M = compose(similarityAbout(55.5, 55.5, a.rot, a.scale, a.dx, a.dy), A);
  if (a.flip) M = compose(FLIP_112, M);
  return M;
}

async function finish(px, size, a, blurScale) {
  colourJitter(px, a);
  if (a.blur > 0) px = gaussianBlur(px, size, size, a.blur * blurScale);
  let u8 = toU8(px);
  if (a.jpeg > 0) u8 = await jpegRoundTrip(u8, size, size, a.jpeg);
  return u8;
}

/**
 * @param {Array<{img: {data,width,height}, A: number[], weight: number}>} parents 1 (real face) or 2 (morph)
 * @param {object} a augmentation parameters (see augment.mjs)
 * @param {boolean} withTeacher also render the teacher view
 */
export async function renderItem(parents, a, withTeacher = true) {
  const crop = new Float32Array(SIZE * SIZE * 3);
  const view = withTeacher ? new Float32Array(DESCRIPTOR_SIZE * DESCRIPTOR_SIZE * 3) : null;
  for (const p of parents) {
    const M = itemMatrix(p.A, a);
    const c = warpAffine(p.img, M, SIZE);
    for (let i = 0; i < c.length; i++) crop[i] += p.weight * c[i];
    if (withTeacher) {
      const v = warpAffine(p.img, compose(T150, M), DESCRIPTOR_SIZE);
      for (let i = 0; i < v.length; i++) view[i] += p.weight * v[i];
    }
  }
  return {
    crop: await finish(crop, SIZE, a, 1),
    view: withTeacher ? await finish(view, DESCRIPTOR_SIZE, a, TEACHER_SCALE) : null,
  };
}

/** Teacher descriptor of the unaugmented face with alignment A. */
export async function teacherDescriptor(img, A) {
  const { view } = await renderItem([{ img, A, weight: 1 }], NO_AUG, true);
  return (await describe([view]))[0];
}
