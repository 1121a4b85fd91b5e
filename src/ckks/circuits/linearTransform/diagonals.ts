/**
 * Matrices as generalised diagonals (Halevi–Shoup 2014, "Algorithms in HElib", §4): for a linear map y = M·x on
 * n slots, y = Σ_k d_k ⊙ rot(x, k) with d_k[i] = M[i][(i + k) mod n]. Only non-zero diagonals are stored, as a
 * sparse map k → vector (k ∈ [0, n)). Helpers build that map from dense, rectangular and block-diagonal matrices,
 * real or complex (CoeffsToSlots/SlotsToCoeffs in bootstrapping have complex entries).
 */

/** A complex slot vector as separate real and imaginary parts (equal lengths). */
export interface ComplexSlots {
  re: Float64Array;
  im: Float64Array;
}

/** A real or complex slot vector. */
export type SlotVector = Float64Array | ComplexSlots;

/**
 * The non-zero generalised diagonals of a linear map on `slots` slots. `V` is `Float64Array` for a map known to
 * be real (what the builders return for real matrices), `SlotVector` in general: a map may mix real and complex
 * diagonals.
 */
export interface DiagonalMatrix<V extends SlotVector = SlotVector> {
  readonly slots: number;
  /** k ∈ [0, slots) → d_k (length `slots`; for a complex d_k both parts have that length). */
  readonly diagonals: ReadonlyMap<number, V>;
}

/**
 * A rows × cols matrix, row-major: entry (r, c) is values[r·cols + c] + i·imag[r·cols + c]. Without `imag` the
 * matrix is real.
 */
export interface DenseMatrix {
  rows: number;
  cols: number;
  /** Row-major real parts, length rows·cols. */
  values: ArrayLike<number>;
  /** Row-major imaginary parts, length rows·cols (complex matrices only). */
  imag?: ArrayLike<number>;
}

/** A `DenseMatrix` without imaginary parts. */
export type RealDenseMatrix = DenseMatrix & { imag?: undefined };

/** Where a block sits in the slot vector (`matrixDiagonals`): it reads slots from `inOffset`, writes from `outOffset`. */
export interface BlockOffsets {
  /** First slot of x the block reads (default 0). */
  inOffset?: number;
  /** First slot of y the block writes (default 0). */
  outOffset?: number;
}

function checkSlots(slots: number): void {
  if (!Number.isInteger(slots) || slots < 1 || (slots & (slots - 1)) !== 0) throw new RangeError(`slot count must be a power of two, got ${slots}`);
}

function checkDense(m: DenseMatrix): void {
  if (!Number.isInteger(m.rows) || !Number.isInteger(m.cols) || m.rows < 1 || m.cols < 1) throw new RangeError('matrix shape must be positive integers');
  const parts: [string, ArrayLike<number>][] = m.imag === undefined ? [['values', m.values]] : [['values', m.values], ['imag', m.imag]];
  for (const [name, a] of parts) {
    if (a.length !== m.rows * m.cols) throw new RangeError(`matrix ${name} has ${a.length} entries, expected ${m.rows}·${m.cols}`);
    for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) throw new RangeError(`matrix ${name}[${i}] is not finite`);
  }
}

/** Collects entries diagonal by diagonal: real parts always, imaginary parts for complex matrices. */
class DiagonalBuilder {
  private readonly re = new Map<number, Float64Array>();
  private readonly im = new Map<number, Float64Array>();

  constructor(private readonly slots: number, private readonly complex: boolean) {}

  /** Entry v = a + i·b of diagonal k (any integer, reduced mod slots) at slot i. */
  set(k: number, i: number, a: number, b: number): void {
    if (a === 0 && b === 0) return;
    const key = ((k % this.slots) + this.slots) % this.slots;
    this.part(this.re, key)[i] = a;
    if (this.complex) this.part(this.im, key)[i] = b;
  }

  private part(map: Map<number, Float64Array>, key: number): Float64Array {
    let d = map.get(key);
    if (d === undefined) {
      d = new Float64Array(this.slots);
      map.set(key, d);
    }
    return d;
  }

  build(): DiagonalMatrix {
    if (!this.complex) return { slots: this.slots, diagonals: this.re };
    const map = new Map<number, SlotVector>();
    for (const [k, re] of this.re) map.set(k, { re, im: this.part(this.im, k) });
    return { slots: this.slots, diagonals: map };
  }
}

/**
 * Diagonals of y = M·x where x occupies slots [inOffset, inOffset + cols) and y lands in slots
 * [outOffset, outOffset + rows), every other slot of x being ignored (its contributions are zero) and every other
 * slot of y receiving 0. Entry M[r][c] sits on diagonal k = (inOffset + c) − (outOffset + r) at slot outOffset + r.
 * A complex matrix (with `imag`) gives complex diagonals. Several blocks can be merged into one map with
 * `mergeDiagonals` (block-diagonal matrices). Offsets default to 0.
 */
export function matrixDiagonals(m: RealDenseMatrix, slots: number, offsets?: BlockOffsets): DiagonalMatrix<Float64Array>;
export function matrixDiagonals(m: DenseMatrix, slots: number, offsets?: BlockOffsets): DiagonalMatrix;
export function matrixDiagonals(m: DenseMatrix, slots: number, offsets: BlockOffsets = {}): DiagonalMatrix {
  checkSlots(slots);
  checkDense(m);
  if (typeof offsets !== 'object' || offsets === null) throw new TypeError('matrixDiagonals: offsets must be an object { inOffset, outOffset }');
  const { inOffset = 0, outOffset = 0 } = offsets;
  if (!Number.isInteger(inOffset) || !Number.isInteger(outOffset) || inOffset < 0 || outOffset < 0 || inOffset + m.cols > slots || outOffset + m.rows > slots) {
    throw new RangeError('matrixDiagonals: the matrix does not fit in the slots at these offsets');
  }
  const builder = new DiagonalBuilder(slots, m.imag !== undefined);
  for (let r = 0; r < m.rows; r++) {
    for (let c = 0; c < m.cols; c++) {
      const at = r * m.cols + c;
      builder.set(inOffset + c - (outOffset + r), outOffset + r, m.values[at]!, m.imag?.[at] ?? 0);
    }
  }
  return builder.build();
}

/**
 * y = M·x for an n×n matrix acting cyclically on all n slots (x and y both fill the slots): d_k[i] = M[i][(i+k) mod n].
 * Real or complex like `matrixDiagonals`.
 */
export function cyclicMatrixDiagonals(m: RealDenseMatrix): DiagonalMatrix<Float64Array>;
export function cyclicMatrixDiagonals(m: DenseMatrix): DiagonalMatrix;
export function cyclicMatrixDiagonals(m: DenseMatrix): DiagonalMatrix {
  checkDense(m);
  if (m.rows !== m.cols) throw new RangeError('cyclicMatrixDiagonals: the matrix must be square');
  const n = m.rows;
  checkSlots(n);
  const builder = new DiagonalBuilder(n, m.imag !== undefined);
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) builder.set(c - r, r, m.values[r * n + c]!, m.imag?.[r * n + c] ?? 0);
  return builder.build();
}

/** Real and imaginary parts of a diagonal, checked against the slot count (im undefined for a real one). */
function diagonalParts(d: SlotVector, slots: number, where: string): { re: Float64Array; im: Float64Array | undefined } {
  const re = d instanceof Float64Array ? d : d.re;
  const im = d instanceof Float64Array ? undefined : d.im;
  if (!(re instanceof Float64Array) || (im !== undefined && !(im instanceof Float64Array))) throw new TypeError(`${where}: a diagonal must be a Float64Array or { re, im } of Float64Arrays`);
  if (re.length !== slots || (im !== undefined && im.length !== slots)) throw new RangeError(`${where}: a diagonal has length ${re.length}${im === undefined ? '' : `/${im.length}`}, expected ${slots}`);
  return { re, im };
}

/**
 * Checks that every diagonal of `m` has the map's slot count (both parts for a complex one) and an index in
 * [0, slots). Throws RangeError / TypeError naming `where` otherwise.
 */
export function checkDiagonalMatrix(m: DiagonalMatrix, where: string): void {
  checkSlots(m.slots);
  for (const [k, d] of m.diagonals) {
    if (!Number.isInteger(k) || k < 0 || k >= m.slots) throw new RangeError(`${where}: diagonal index ${k} outside [0, ${m.slots})`);
    diagonalParts(d, m.slots, `${where} (diagonal ${k})`);
  }
}

/**
 * The sum of several maps on the same slot count (e.g. the blocks of a block-diagonal matrix). A diagonal of the
 * sum is complex when any of its summands is.
 */
export function mergeDiagonals(parts: readonly DiagonalMatrix<Float64Array>[]): DiagonalMatrix<Float64Array>;
export function mergeDiagonals(parts: readonly DiagonalMatrix[]): DiagonalMatrix;
export function mergeDiagonals(parts: readonly DiagonalMatrix[]): DiagonalMatrix {
  const first = parts[0];
  if (first === undefined) throw new RangeError('mergeDiagonals: nothing to merge');
  const slots = first.slots;
  const re = new Map<number, Float64Array>();
  const im = new Map<number, Float64Array>();
  for (const p of parts) {
    if (p.slots !== slots) throw new RangeError('mergeDiagonals: different slot counts');
    checkDiagonalMatrix(p, 'mergeDiagonals');
    for (const [k, d] of p.diagonals) {
      const { re: dr, im: di } = diagonalParts(d, slots, 'mergeDiagonals');
      const accRe = re.get(k) ?? new Float64Array(slots);
      for (let i = 0; i < slots; i++) accRe[i] = accRe[i]! + dr[i]!;
      re.set(k, accRe);
      if (di !== undefined) {
        const accIm = im.get(k) ?? new Float64Array(slots);
        for (let i = 0; i < slots; i++) accIm[i] = accIm[i]! + di[i]!;
        im.set(k, accIm);
      }
    }
  }
  const map = new Map<number, SlotVector>();
  for (const [k, r] of re) {
    const i = im.get(k);
    map.set(k, i === undefined ? r : { re: r, im: i });
  }
  return { slots, diagonals: map };
}

/**
 * Applies the map to a plaintext vector in float64: y_i = Σ_k d_k[i]·x[(i + k) mod n], complex when the map or x
 * is. This follows the diagonal representation itself, so it is a reference for the BSGS evaluation, not for the
 * diagonal builders (tests compare against M·x computed from the matrix).
 */
export function applyDiagonalsPlain(m: DiagonalMatrix<Float64Array>, x: Float64Array): Float64Array;
export function applyDiagonalsPlain(m: DiagonalMatrix, x: SlotVector): ComplexSlots;
export function applyDiagonalsPlain(m: DiagonalMatrix, x: SlotVector): SlotVector {
  const n = m.slots;
  checkDiagonalMatrix(m, 'applyDiagonalsPlain');
  const { re: xr, im: xi } = diagonalParts(x, n, 'applyDiagonalsPlain (vector)');
  const real = xi === undefined && [...m.diagonals.values()].every((d) => d instanceof Float64Array);
  const yr = new Float64Array(n);
  const yi = new Float64Array(n);
  for (const [k, d] of m.diagonals) {
    const { re: dr, im: di } = diagonalParts(d, n, 'applyDiagonalsPlain');
    for (let i = 0; i < n; i++) {
      const j = (i + k) % n;
      const a = dr[i]!, b = di?.[i] ?? 0, c = xr[j]!, e = xi?.[j] ?? 0;
      yr[i] = yr[i]! + a * c - b * e;
      yi[i] = yi[i]! + a * e + b * c;
    }
  }
  return real ? yr : { re: yr, im: yi };
}
