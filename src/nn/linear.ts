/**
 * Fully connected layer y = W·x + b in float64 (W row-major: `W[r·cols + j]`, PyTorch `nn.Linear` layout).
 * CryptoFace's fusion layer is a sum of per-patch 256×256 blocks A'_i f_i + b'/L (reference §2.4).
 */

/** A dense matrix stored row-major. */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

/** Builds a {@link Matrix}, checking the length. */
export function matrix(rows: number, cols: number, data: Float64Array): Matrix {
  if (data.length !== rows * cols) throw new RangeError(`matrix: expected ${rows * cols} values, got ${data.length}`);
  return { rows, cols, data };
}

/** y = W·x (+ bias). */
export function linear(W: Matrix, x: Float64Array, bias?: Float64Array): Float64Array {
  if (x.length !== W.cols) throw new RangeError(`linear: input length ${x.length}, matrix has ${W.cols} columns`);
  if (bias !== undefined && bias.length !== W.rows) throw new RangeError('linear: bias length must equal rows');
  const y = new Float64Array(W.rows);
  for (let r = 0; r < W.rows; r++) {
    let s = bias?.[r] ?? 0;
    const base = r * W.cols;
    for (let j = 0; j < W.cols; j++) s += W.data[base + j]! * x[j]!;
    y[r] = s;
  }
  return y;
}

/** Splits W (rows × L·block) column-wise into L square-or-rectangular blocks of `block` columns. */
export function splitColumns(W: Matrix, block: number): Matrix[] {
  if (W.cols % block !== 0) throw new RangeError('splitColumns: cols must be a multiple of block');
  const out: Matrix[] = [];
  for (let b = 0; b < W.cols / block; b++) {
    const d = new Float64Array(W.rows * block);
    for (let r = 0; r < W.rows; r++) d.set(W.data.subarray(r * W.cols + b * block, r * W.cols + (b + 1) * block), r * block);
    out.push({ rows: W.rows, cols: block, data: d });
  }
  return out;
}
