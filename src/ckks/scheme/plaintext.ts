/**
 * Plaintexts and ciphertexts: RNS polynomials with their metadata (Lattigo's `MetaData`): level, scale
 * and slot count travel with the data so every operation can check them instead of trusting the caller.
 * Polynomials are kept in evaluation (NTT) form between operations.
 */
import type { RnsPoly } from '../ring/rnsPoly.js';
import type { CkksContext } from './context.js';

export class Plaintext {
  constructor(
    readonly context: CkksContext,
    /** The encoded polynomial over q_0 … q_level, evaluation form. */
    readonly poly: RnsPoly,
    /** The scale Δ: the polynomial holds round(Δ · message). */
    public scale: number,
    /** Number of packed slots (a power of two ≤ N/2). */
    readonly slots: number,
  ) {}

  get level(): number {
    return this.poly.limbCount - 1;
  }
}

export class Ciphertext {
  constructor(
    readonly context: CkksContext,
    /** c_0, c_1 (, c_2 after a product before relinearisation): decrypts to Σ c_i·s^i. Evaluation form. */
    readonly parts: RnsPoly[],
    public scale: number,
    readonly slots: number,
  ) {
    if (parts.length < 2) throw new RangeError('a ciphertext has at least two polynomials');
  }

  get level(): number {
    return this.parts[0]!.limbCount - 1;
  }

  /** Number of polynomials minus one (1 for a fresh ciphertext, 2 after a product before relinearisation). */
  get degree(): number {
    return this.parts.length - 1;
  }

  clone(): Ciphertext {
    return new Ciphertext(this.context, this.parts.map((p) => p.clone()), this.scale, this.slots);
  }
}
