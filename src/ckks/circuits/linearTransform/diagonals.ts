/**
 * Matrices as generalised diagonals (Halevi–Shoup 2014, "Algorithms in HElib", §4): for a linear map y = M·x on
 * n slots, y = Σ_k d_k ⊙ rot(x, k) with d_k[i] = M[i][(i + k) mod n]. Only non-zero diagonals are stored, as a
 * sparse map k → vector (k ∈ [0, n)). Helpers build that map from dense, rectangular and block-diagonal matrices.
 */

/** A real or complex slot vector. */
export type SlotVector = Float64Array | { re: Float64Array; im: Float64Array };

/** The non-zero generalised diagonals of a linear map on `slots` slots. */
export interface DiagonalMatrix {
  readonly slots: number;
  /** k ∈ [0, slots) → d_k (length `slots`). */
  readonly diagonals: ReadonlyMap<number, SlotVector>;
}

function checkSlots(slots: number): void {
  if (!Number.isInteger(slots) || slots < 1 || (slots & (slots - 1)) !== 0) throw new RangeError(`slot count must be a power of two, got ${slots}`);
}

/** Rows × columns matrix as nested arrays or a flat row-major Float64Array with its shape. */
export interface DenseMatrix {
  rows: number;
  cols: number;
  /** Row-major values, length rows·cols. */
  values: ArrayLike<number>;
}

function checkDense(m: DenseMatrix): void {
  if (!Number.isInteger(m.rows) || !Number.isInteger(m.cols) || m.rows < 1 || m.cols < 1) throw new RangeError('matrix shape must be positive integers');
  if (m.values.length !== m.rows * m.cols) throw new RangeError(`matrix has ${m.values.length} values, expected ${m.rows}·${m.cols}`);
  for (let i = 0; i < m.values.length; i++) if (!Number.isFinite(m.values[i]!)) throw new RangeError(`matrix value ${i} is not finite`);
}

function addEntry(map: Map<number, Float64Array>, slots: number, k: number, i: number, v: number): void {
  if (v === 0) return;
  const key = ((k % slots) + slots) % slots;
  let d = map.get(key);
  if (d === undefined) {
    d = new Float64Array(slots);
    map.set(key, d);
  }
  d[i] = v;
}

/**
 * Diagonals of y = M·x where x occupies slots [inOffset, inOffset + cols) and y lands in slots
 * [outOffset, outOffset + rows), every other slot of x being ignored (its contributions are zero) and every other
 * slot of y receiving 0. Entry M[r][c] sits on diagonal k = (inOffset + c) − (outOffset + r) at slot outOffset + r.
 * Several blocks can be merged into one map with `mergeDiagonals` (block-diagonal matrices).
 */
export function matrixDiagonals(m: DenseMatrix, slots: number, inOffset = 0, outOffset = 0): DiagonalMatrix {
  checkSlots(slots);
  checkDense(m);
  if (inOffset < 0 || outOffset < 0 || inOffset + m.cols > slots || outOffset + m.rows > slots) {
    throw new RangeError('matrixDiagonals: the matrix does not fit in the slots at these offsets');
  }
  const map = new Map<number, Float64Array>();
  for (let r = 0; r < m.rows; r++) {
    for (let c = 0; c < m.cols; c++) {
      addEntry(map, slots, inOffset + c - (outOffset + r), outOffset + r, m.values[r * m.cols + c]!);
    }
  }
  return { slots, diagonals: map };
}

/**
 * y = M·x for an n×n matrix acting cyclically on all n slots (x and y both fill the slots): d_k[i] = M[i][(i+k) mod n].
 */
export function cyclicMatrixDiagonals(m: DenseMatrix): DiagonalMatrix {
  checkDense(m);
  if (m.rows !== m.cols) throw new RangeError('cyclicMatrixDiagonals: the matrix must be square');
  const n = m.rows;
  checkSlots(n);
  const map = new Map<number, Float64Array>();
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) addEntry(map, n, c - r, r, m.values[r * n + c]!);
  return { slots: n, diagonals: map };
}

/** The sum of several maps on the same slot count (e.g. the blocks of a block-diagonal matrix). */
export function mergeDiagonals(parts: readonly DiagonalMatrix[]): DiagonalMatrix {
  const first = parts[0];
  if (first === undefined) throw new RangeError('mergeDiagonals: nothing to merge');
  const slots = first.slots;
  const map = new Map<number, Float64Array>();
  for (const p of parts) {
    if (p.slots !== slots) throw new RangeError('mergeDiagonals: different slot counts');
    for (const [k, d] of p.diagonals) {
      if (!(d instanceof Float64Array)) throw new TypeError('mergeDiagonals: complex diagonals are not supported here');
      const acc = map.get(k) ?? new Float64Array(slots);
      for (let i = 0; i < slots; i++) acc[i] = acc[i]! + d[i]!;
      map.set(k, acc);
    }
  }
  return { slots, diagonals: map };
}

/** Applies the map to a plaintext vector in float64 (the reference the encrypted evaluation is tested against). */
export function applyDiagonalsPlain(m: DiagonalMatrix, x: Float64Array): Float64Array {
  const n = m.slots;
  if (x.length !== n) throw new RangeError('applyDiagonalsPlain: vector length ≠ slots');
  const y = new Float64Array(n);
  for (const [k, d] of m.diagonals) {
    if (!(d instanceof Float64Array)) throw new TypeError('applyDiagonalsPlain: real diagonals only');
    for (let i = 0; i < n; i++) y[i] = y[i]! + d[i]! * x[(i + k) % n]!;
  }
  return y;
}
