// 5-point similarity alignment onto the InsightFace/ArcFace 112x112 template.

/** ArcFace 112x112 template: left eye, right eye, nose tip, left mouth corner, right mouth corner. */
export const TEMPLATE_112 = [
  [38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366], [41.5493, 92.3655], [70.7299, 92.2041],
];

/** Five points from the 68-point (iBUG) layout: eye centres (36-41, 42-47), nose tip 30, mouth corners 48, 54. */
export function fivePoints(lm68) {
  const mean = (a, b) => {
    let x = 0, y = 0;
    for (let i = a; i <= b; i++) { x += lm68[i][0]; y += lm68[i][1]; }
    return [x / (b - a + 1), y / (b - a + 1)];
  };
  return [mean(36, 41), mean(42, 47), lm68[30], lm68[48], lm68[54]];
}

/**
 * Least-squares similarity (Umeyama 1991, no reflection) mapping src -> dst.
 * Returns the 2x3 matrix [a, -b, tx; b, a, ty] so that dst ≈ [a -b; b a] src + t.
 */
export function umeyama(src, dst) {
  const n = src.length;
  let sx = 0, sy = 0, dx = 0, dy = 0;
  for (let i = 0; i < n; i++) { sx += src[i][0]; sy += src[i][1]; dx += dst[i][0]; dy += dst[i][1]; }
  sx /= n; sy /= n; dx /= n; dy /= n;
  let num1 = 0, num2 = 0, den = 0;
  for (let i = 0; i < n; i++) {
    const xu = src[i][0] - sx, xv = src[i][1] - sy, yu = dst[i][0] - dx, yv = dst[i][1] - dy;
    num1 += xu * yu + xv * yv;
    num2 += xu * yv - xv * yu;
    den += xu * xu + xv * xv;
  }
  const a = num1 / den, b = num2 / den;
  return [a, -b, dx - (a * sx - b * sy), b, a, dy - (b * sx + a * sy)];
}

/** Compose two 2x3 affine maps: (A ∘ B)(p) = A(B(p)). */
export function compose(A, B) {
  return [
    A[0] * B[0] + A[1] * B[3], A[0] * B[1] + A[1] * B[4], A[0] * B[2] + A[1] * B[5] + A[2],
    A[3] * B[0] + A[4] * B[3], A[3] * B[1] + A[4] * B[4], A[3] * B[2] + A[4] * B[5] + A[5],
  ];
}

export function invert(M) {
  const det = M[0] * M[4] - M[1] * M[3];
  const i0 = M[4] / det, i1 = -M[1] / det, i3 = -M[3] / det, i4 = M[0] / det;
  return [i0, i1, -(i0 * M[2] + i1 * M[5]), i3, i4, -(i3 * M[2] + i4 * M[5])];
}

/** Similarity about point (cx, cy): rotate by deg, scale by s, then shift by (tx, ty). */
export function similarityAbout(cx, cy, deg, s, tx, ty) {
  const r = (deg * Math.PI) / 180, a = s * Math.cos(r), b = s * Math.sin(r);
  return [a, -b, cx - a * cx + b * cy + tx, b, a, cy - b * cx - a * cy + ty];
}

/**
 * Bilinear warp of an RGB image with the forward map M (source -> output), cv2.warpAffine convention
 * (pixel centres at integer coordinates), constant-zero border like InsightFace.
 */
export function warpAffine(img, M, size = 112) {
  const { data, width: W, height: H } = img;
  const inv = invert(M);
  const out = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const sx = inv[0] * x + inv[1] * y + inv[2], sy = inv[3] * x + inv[4] * y + inv[5];
      const x0 = Math.floor(sx), y0 = Math.floor(sy), fx = sx - x0, fy = sy - y0;
      const o = (y * size + x) * 3;
      for (let c = 0; c < 3; c++) {
        let acc = 0;
        for (let k = 0; k < 4; k++) {
          const xi = x0 + (k & 1), yi = y0 + (k >> 1);
          if (xi < 0 || yi < 0 || xi >= W || yi >= H) continue;
          const w = ((k & 1) ? fx : 1 - fx) * ((k >> 1) ? fy : 1 - fy);
          acc += w * data[(yi * W + xi) * 3 + c];
        }
        out[o + c] = Math.min(255, Math.max(0, Math.round(acc)));
      }
    }
  }
  return out;
}

/** Alignment matrix from 68 landmarks to a size x size crop (template scaled by size/112). */
export function alignMatrix(lm68, size = 112) {
  const k = size / 112;
  return umeyama(fivePoints(lm68), TEMPLATE_112.map(([x, y]) => [x * k, y * k]));
}

/** Mean residual (pixels in the output crop) of the 5 points after alignment: a landmark-quality hint. */
export function alignResidual(lm68, M, size = 112) {
  const k = size / 112;
  const pts = fivePoints(lm68);
  let s = 0;
  pts.forEach(([x, y], i) => {
    const u = M[0] * x + M[1] * y + M[2], v = M[3] * x + M[4] * y + M[5];
    s += Math.hypot(u - TEMPLATE_112[i][0] * k, v - TEMPLATE_112[i][1] * k);
  });
  return s / pts.length;
}

/**
 * The dlib teacher's framing in the aligned 112 frame. face-api crops the descriptor input as an axis-aligned
 * box around the landmarks (side = mean eye-to-mouth-centre distance / 0.45, top-left = centroid of the two
 * eyes and the mouth minus (0.5, 0.43) x side). Evaluated on the template points this is a fixed box
 * x 6.7..105.3, y 22.8..121.3 (shifted down ~17 px w.r.t. the 112 crop). Feeding the plain 112 crop
 * resized to 150 instead compresses the descriptor (see docs/face-data.md), so the teacher sees this box.
 */
export const TEACHER_BOX_112 = (() => {
  const [le, re, , ml, mr] = TEMPLATE_112;
  const mouth = [(ml[0] + mr[0]) / 2, (ml[1] + mr[1]) / 2];
  const side = (Math.hypot(mouth[0] - le[0], mouth[1] - le[1]) + Math.hypot(mouth[0] - re[0], mouth[1] - re[1])) / 2 / 0.45;
  const cx = (le[0] + re[0] + mouth[0]) / 3, cy = (le[1] + re[1] + mouth[1]) / 3;
  return { x: cx - 0.5 * side, y: cy - 0.43 * side, side };
})();

/** Map from the aligned 112 frame to the size x size teacher view. */
export function teacherViewMatrix(size = 150) {
  const k = size / TEACHER_BOX_112.side;
  return [k, 0, -TEACHER_BOX_112.x * k, 0, k, -TEACHER_BOX_112.y * k];
}

/** Horizontal mirror of the aligned 112 frame (x -> 111 - x). */
export const FLIP_112 = [-1, 0, 111, 0, 1, 0];
