/**
 * RNS polynomials: an element of Z_Q[X]/(X^N + 1) stored as k limbs (one per prime of its `RnsBasis`) in
 * ONE contiguous `BigUint64Array` of k·N words, limb i occupying words [i·N, (i+1)·N).
 *
 * Every polynomial carries its form — 'coefficient' (the N coefficients) or 'evaluation' (the negacyclic
 * NTT, bit-reversed) — and every operation checks it, so a product of coefficient vectors or a sum of
 * mixed forms is a `CkksError('FORM_MISMATCH')`, never a wrong number. It also says whether its residues are in
 * Montgomery form (x·2^64 mod q: the fixed operand of the fused multiply-accumulate kernels, i.e. switching keys and
 * double-hoisted diagonals); sums keep that domain, mixing domains is FORM_MISMATCH too. All residues are kept in
 * [0, q_i).
 */
import { CkksError } from '../errors.js';
import { addMod, addScalarMod, mulMod, mulScalarShoup, negMod, subMod } from './modularKernels.js';
import { mod, shoupCompanion } from './modularScalar.js';
import { nttForward, nttInverse } from './ntt.js';
import type { RnsBasis } from './rnsBasis.js';
import { acceleratorOf } from './accelerator.js';

export type PolyForm = 'coefficient' | 'evaluation';

export class RnsPoly {
  readonly basis: RnsBasis;
  /** limbCount × N residues, limb-major. */
  readonly data: BigUint64Array;
  /** Current representation; changed only by `toEvaluation` / `toCoefficient` (or `setForm`). */
  form: PolyForm;
  /**
   * True when every residue is x·2^64 mod q_i rather than x (Montgomery form, R = 2^64). Set by `toMontgomeryForm`
   * (scheme/keys.ts) and by the encoders that produce such operands, cleared by `fromMontgomeryForm`; the NTT and
   * additions preserve it. Kernels that need it check it (`requireMontgomery`).
   */
  montgomery = false;

  /**
   * A polynomial over `basis` in the given form. Without `data` it is zero; with `data` (length k·N,
   * every limb-i word < q_i — not re-checked here, see `assertReduced`) the buffer is used as is.
   */
  constructor(basis: RnsBasis, form: PolyForm, data?: BigUint64Array) {
    const words = basis.size * basis.ringDegree;
    if (data !== undefined && data.length !== words) {
      throw new RangeError(`RnsPoly: data holds ${data.length} words, expected ${words} (${basis.size} limbs × N = ${basis.ringDegree})`);
    }
    if (form !== 'coefficient' && form !== 'evaluation') throw new TypeError(`RnsPoly: unknown form ${String(form)}`);
    this.basis = basis;
    this.form = form;
    // a context with a thread pool allocates in shared memory (accelerator.ts)
    this.data = data ?? acceleratorOf(basis)?.allocate(words) ?? new BigUint64Array(words);
  }

  get ringDegree(): number {
    return this.basis.ringDegree;
  }

  get limbCount(): number {
    return this.basis.size;
  }

  /** A view (no copy) of limb i: the residues modulo q_i. */
  limb(i: number): BigUint64Array {
    if (!Number.isInteger(i) || i < 0 || i >= this.basis.size) throw new RangeError(`RnsPoly.limb: index ${i} out of range`);
    const n = this.basis.ringDegree;
    return this.data.subarray(i * n, (i + 1) * n);
  }

  /** A deep copy. */
  clone(): RnsPoly {
    const accelerator = acceleratorOf(this.basis);
    let copy: RnsPoly;
    if (accelerator === undefined) {
      copy = new RnsPoly(this.basis, this.form, this.data.slice());
    } else {
      const data = accelerator.allocate(this.data.length);
      data.set(this.data);
      copy = new RnsPoly(this.basis, this.form, data);
    }
    copy.montgomery = this.montgomery;
    return copy;
  }

  /** Copies `other` (same basis) into this polynomial, including its form. */
  copyFrom(other: RnsPoly): this {
    this.basis.assertSame(other.basis, 'RnsPoly.copyFrom');
    this.data.set(other.data);
    this.form = other.form;
    this.montgomery = other.montgomery;
    return this;
  }

  /**
   * Coefficient-form polynomial from integer coefficients (any sign, any size; reduced mod each q_i).
   * Not a hot path (BigInt per coefficient).
   */
  static fromCoefficients(basis: RnsBasis, coefficients: ArrayLike<bigint | number>): RnsPoly {
    const n = basis.ringDegree;
    if (coefficients.length > n) throw new RangeError(`RnsPoly.fromCoefficients: ${coefficients.length} coefficients for N = ${n}`);
    const p = new RnsPoly(basis, 'coefficient');
    for (let l = 0; l < basis.size; l++) {
      const q = basis.moduli[l]!.value;
      const limb = p.limb(l);
      for (let j = 0; j < coefficients.length; j++) {
        const c = coefficients[j]!;
        limb[j] = mod(typeof c === 'bigint' ? c : BigInt(c), q);
      }
    }
    return p;
  }

  /** Throws CORRUPT_INPUT unless every residue of limb i is below q_i (use on data from outside). */
  assertReduced(): void {
    const n = this.basis.ringDegree;
    for (let l = 0; l < this.basis.size; l++) {
      const q = this.basis.moduli[l]!.value;
      for (let j = l * n, e = (l + 1) * n; j < e; j++) {
        if (this.data[j]! >= q) throw new CkksError('CORRUPT_INPUT', `RnsPoly: residue ${this.data[j]} ≥ q_${l} at limb ${l}, index ${j - l * n}`);
      }
    }
  }

  /** In place: coefficient → evaluation form (forward NTT of every limb). Throws if already evaluated. */
  toEvaluation(): this {
    this.requireForm('coefficient', 'toEvaluation');
    if (acceleratorOf(this.basis)?.transform(this, false) === true) {
      this.form = 'evaluation';
      return this;
    }
    for (let l = 0; l < this.basis.size; l++) nttForward(this.limb(l), this.basis.tables[l]!);
    this.form = 'evaluation';
    return this;
  }

  /** In place: evaluation → coefficient form (inverse NTT of every limb). */
  toCoefficient(): this {
    this.requireForm('evaluation', 'toCoefficient');
    if (acceleratorOf(this.basis)?.transform(this, true) === true) {
      this.form = 'coefficient';
      return this;
    }
    for (let l = 0; l < this.basis.size; l++) nttInverse(this.limb(l), this.basis.tables[l]!);
    this.form = 'coefficient';
    return this;
  }

  /** Throws FORM_MISMATCH unless the polynomial is in `form`. */
  requireForm(form: PolyForm, operation: string): void {
    if (this.form !== form) {
      throw new CkksError('FORM_MISMATCH', `${operation}: polynomial is in ${this.form} form, ${form} form is required`);
    }
  }

  /** Throws FORM_MISMATCH unless the residues are (`expected` true) or are not in Montgomery form. */
  requireMontgomery(expected: boolean, operation: string): void {
    if (this.montgomery !== expected) {
      throw new CkksError('FORM_MISMATCH', `${operation}: polynomial is ${this.montgomery ? 'in' : 'not in'} Montgomery form (x·2^64 mod q), ${expected ? 'Montgomery form' : 'plain residues'} required`);
    }
  }

  /**
   * A polynomial over the first `limbCount − count` primes that SHARES this one's memory (no copy):
   * dropping the last limbs is a view of the leading words. Writes through either alias the other.
   */
  dropLastLimbs(count = 1): RnsPoly {
    if (!Number.isInteger(count) || count < 0 || count >= this.basis.size) {
      throw new RangeError(`RnsPoly.dropLastLimbs: can drop 0..${this.basis.size - 1} limbs, asked for ${count}`);
    }
    const basis = this.basis.prefix(this.basis.size - count);
    const view = new RnsPoly(basis, this.form, this.data.subarray(0, basis.size * basis.ringDegree));
    view.montgomery = this.montgomery;
    return view;
  }
}

function checkBinary(a: RnsPoly, b: RnsPoly, out: RnsPoly, operation: string): void {
  a.basis.assertSame(b.basis, operation);
  a.basis.assertSame(out.basis, operation);
  if (a.form !== b.form) {
    throw new CkksError('FORM_MISMATCH', `${operation}: operands are in ${a.form} and ${b.form} form`);
  }
}

/** Sums need both operands in one residue domain (both plain or both Montgomery form). */
function checkSameDomain(a: RnsPoly, b: RnsPoly, operation: string): void {
  if (a.montgomery !== b.montgomery) {
    throw new CkksError('FORM_MISMATCH', `${operation}: one operand is in Montgomery form (x·2^64 mod q), the other is not`);
  }
}

/** out = a + b (same basis, same form; `out` may alias an operand). Returns `out`. */
export function polyAdd(a: RnsPoly, b: RnsPoly, out: RnsPoly): RnsPoly {
  checkBinary(a, b, out, 'polyAdd');
  checkSameDomain(a, b, 'polyAdd');
  for (let l = 0; l < a.limbCount; l++) addMod(a.limb(l), b.limb(l), out.limb(l), a.basis.moduli[l]!.value);
  out.form = a.form;
  out.montgomery = a.montgomery;
  return out;
}

/** out = a − b. */
export function polySub(a: RnsPoly, b: RnsPoly, out: RnsPoly): RnsPoly {
  checkBinary(a, b, out, 'polySub');
  checkSameDomain(a, b, 'polySub');
  for (let l = 0; l < a.limbCount; l++) subMod(a.limb(l), b.limb(l), out.limb(l), a.basis.moduli[l]!.value);
  out.form = a.form;
  out.montgomery = a.montgomery;
  return out;
}

/**
 * In place: residues kept lazily in [0, 2q) (the accumulators of `mulMontgomeryAccumulate2`) brought to [0, q).
 * Returns `a`.
 */
export function polyReduceLazy(a: RnsPoly): RnsPoly {
  for (let l = 0; l < a.limbCount; l++) addScalarMod(a.limb(l), 0n, a.limb(l), a.basis.moduli[l]!.value);
  return a;
}

/** out = −a. */
export function polyNeg(a: RnsPoly, out: RnsPoly): RnsPoly {
  a.basis.assertSame(out.basis, 'polyNeg');
  for (let l = 0; l < a.limbCount; l++) negMod(a.limb(l), out.limb(l), a.basis.moduli[l]!.value);
  out.form = a.form;
  out.montgomery = a.montgomery;
  return out;
}

/**
 * out = a · b in Z_Q[X]/(X^N+1): element-wise product, both operands in evaluation form. At most one operand in
 * Montgomery form (the product then is too: x·R·y = (x·y)·R); two would leave a factor R² (FORM_MISMATCH).
 */
export function polyMul(a: RnsPoly, b: RnsPoly, out: RnsPoly): RnsPoly {
  checkBinary(a, b, out, 'polyMul');
  a.requireForm('evaluation', 'polyMul');
  if (a.montgomery && b.montgomery) throw new CkksError('FORM_MISMATCH', 'polyMul: both operands are in Montgomery form');
  const montgomery = a.montgomery || b.montgomery;
  for (let l = 0; l < a.limbCount; l++) {
    const m = a.basis.moduli[l]!;
    mulMod(a.limb(l), b.limb(l), out.limb(l), m.value, m.montgomeryNegInverse, m.rModQ, m.rModQShoup);
  }
  out.form = 'evaluation';
  out.montgomery = montgomery;
  return out;
}

/**
 * out = c · a for an integer constant c (any sign and size; reduced modulo each prime), in either form.
 */
export function polyMulScalar(a: RnsPoly, c: bigint, out: RnsPoly): RnsPoly {
  if (typeof c !== 'bigint') throw new TypeError('polyMulScalar: the constant must be a bigint');
  a.basis.assertSame(out.basis, 'polyMulScalar');
  for (let l = 0; l < a.limbCount; l++) {
    const q = a.basis.moduli[l]!.value;
    const w = mod(c, q);
    mulScalarShoup(a.limb(l), w, shoupCompanion(w, q), out.limb(l), q);
  }
  out.form = a.form;
  out.montgomery = a.montgomery;
  return out;
}

/**
 * out = a · c_l limb by limb, with one constant per prime (`residues[l]` < q_l): multiplying by an
 * element given through its RNS residues (e.g. P mod q_l, or a CRT constant).
 */
export function polyMulRnsScalar(a: RnsPoly, residues: readonly bigint[], out: RnsPoly): RnsPoly {
  a.basis.assertSame(out.basis, 'polyMulRnsScalar');
  if (residues.length !== a.limbCount) throw new RangeError(`polyMulRnsScalar: ${residues.length} residues for ${a.limbCount} limbs`);
  for (let l = 0; l < a.limbCount; l++) {
    const q = a.basis.moduli[l]!.value;
    const w = residues[l]!;
    if (w < 0n || w >= q) throw new RangeError(`polyMulRnsScalar: residue ${l} is not in [0, q_${l})`);
    mulScalarShoup(a.limb(l), w, shoupCompanion(w, q), out.limb(l), q);
  }
  out.form = a.form;
  out.montgomery = a.montgomery;
  return out;
}

/**
 * Hands the memory of temporaries back to their basis's accelerator (a thread pool reuses it for the next
 * polynomial of the same size, `parallel/recycler.ts`); without an accelerator it does nothing. For the scheme's
 * own temporaries only: NOTHING may use these polynomials afterwards (a later allocation will overwrite them).
 */
export function releasePoly(...polys: readonly RnsPoly[]): void {
  for (const p of polys) acceleratorOf(p.basis)?.release?.(p.data);
}
