/**
 * ModDown: divide a polynomial over a basis K ∪ D (the "kept" primes followed by the "dropped" ones) by
 * D = ∏ dropped with rounding, in the evaluation (NTT) domain, and drop D's limbs (Han–Ki 2020, "Better
 * bootstrapping for approximate HE", §3; Cheon–Han–Kim–Kim–Song 2018, §3.3). This is the library's only ModDown:
 * key switching divides by P with it, and the fused relinearise-and-rescale by q_ℓ·P (dropped = {q_ℓ} ∪ P).
 *
 * Algorithm: y = x + H with H = ⌊k·D/2⌋ (k = number of dropped primes), then
 *   out = (y − Conv_{D→K}([y]_D)) · D^{-1} mod each kept prime,
 * with the fast base conversion Conv (`BaseConverter`), which returns [y]_D + u·D for an integer 0 ≤ u < k. So
 *   out = ⌊(x + H)/D⌋ − u   exactly, for the integer x ∈ [0, K·D) (or its centred representative) the input holds.
 * Without H the result would be ⌊x/D⌋ − u: always rounded down, a bias that the products with s in key switching
 * turn into a large error in the slots near the roots ±1. With H, out − x/D ∈ (−k/2 − 1/D, k/2]: mean ≈ 0 and
 * |error| ≤ k/2; for k = 1 (Conv exact, u = 0) out = round(x/D), the nearest integer (D odd: no ties).
 *
 * Only the dropped limbs are inverse-transformed (in place: `x`'s dropped limbs are overwritten) and converted;
 * each kept limb costs one forward NTT of the converted term.
 */
import { CkksError } from '../errors.js';
import { BaseConverter } from './baseConversion.js';
import { addMod, addScalarMod, subMod, subMulScalarShoup } from './modularKernels.js';
import { modInverse, shoupCompanion } from './modularScalar.js';
import { nttForward, nttInverse } from './ntt.js';
import { RnsBasis } from './rnsBasis.js';
import { RnsPoly } from './rnsPoly.js';

export class ModDownConverter {
  /** The kept basis K (the result's basis). */
  readonly kept: RnsBasis;
  /** The dropped basis D. */
  readonly dropped: RnsBasis;
  /** K ∪ D, the input basis (kept primes first). */
  readonly input: RnsBasis;
  /** Conv_{D→K}. */
  private readonly toKept: BaseConverter;
  /** D^{-1} mod each kept prime, and Shoup companions. */
  private readonly inverse: bigint[];
  private readonly inverseShoup: bigint[];
  /** The rounding offset H = ⌊k·D/2⌋: H mod each dropped prime, and −H mod each kept prime. */
  private readonly offsetDropped: bigint[];
  private readonly offsetKept: bigint[];

  /** Precomputes the constants; K and D must share the ring degree and have no prime in common. */
  constructor(kept: RnsBasis, dropped: RnsBasis) {
    if (!(kept instanceof RnsBasis) || !(dropped instanceof RnsBasis)) throw new TypeError('ModDownConverter: expected RnsBasis arguments');
    if (kept.ringDegree !== dropped.ringDegree) {
      throw new CkksError('INCOMPATIBLE_PARAMETERS', `ModDownConverter: bases for different ring degrees (${kept.ringDegree}, ${dropped.ringDegree})`);
    }
    for (const p of dropped.primes) if (kept.primes.includes(p)) throw new RangeError(`ModDownConverter: prime ${p} is both kept and dropped`);
    this.kept = kept;
    this.dropped = dropped;
    this.input = kept.concat(dropped);
    this.toKept = new BaseConverter(dropped, kept);
    const D = dropped.product();
    const H = (BigInt(dropped.size) * D) / 2n;
    this.inverse = kept.primes.map((q) => modInverse(D % q, q));
    this.inverseShoup = this.inverse.map((v, i) => shoupCompanion(v, kept.primes[i]!));
    this.offsetDropped = dropped.primes.map((p) => H % p);
    this.offsetKept = kept.primes.map((q) => (q - (H % q)) % q);
  }

  /**
   * ≈ x/D over K for x over K ∪ D (evaluation form; see the header for the exact result). `x`'s dropped limbs are
   * overwritten. `addend` (coefficient form over K ∪ D, a small polynomial such as an encryption error) gives
   * exactly ModDown(x + NTT(addend)) without transforming it: its dropped limbs join y where y is already in
   * coefficient form, and its kept limbs are subtracted from the converted term before that term's forward NTT
   * (linearity). Returns a new polynomial over K, evaluation form.
   */
  apply(x: RnsPoly, addend?: RnsPoly): RnsPoly {
    this.input.assertSame(x.basis, 'ModDown (input)');
    x.requireForm('evaluation', 'ModDown');
    if (addend !== undefined) {
      this.input.assertSame(addend.basis, 'ModDown (addend)');
      addend.requireForm('coefficient', 'ModDown (addend)');
    }
    const kept = this.kept;
    const n = kept.ringDegree;
    const k = kept.size;
    const dropped: BigUint64Array[] = [];
    for (let j = 0; k + j < x.basis.size; j++) {
      const limb = x.limb(k + j);
      const p = x.basis.moduli[k + j]!.value;
      nttInverse(limb, x.basis.tables[k + j]!);
      if (addend !== undefined) addMod(limb, addend.limb(k + j), limb, p);
      addScalarMod(limb, this.offsetDropped[j]!, limb, p);
      dropped.push(limb);
    }
    const out = new RnsPoly(kept, 'evaluation');
    const converted: BigUint64Array[] = [];
    for (let i = 0; i < k; i++) converted.push(out.limb(i));
    this.toKept.convertLimbs(dropped, converted);
    for (let i = 0; i < k; i++) {
      const q = kept.moduli[i]!.value;
      const limb = out.limb(i);
      // x + H − Conv = x − (Conv − H): H is added to every coefficient, so subtract it here, before the NTT
      addScalarMod(limb, this.offsetKept[i]!, limb, q);
      if (addend !== undefined) subMod(limb, addend.limb(i), limb, q);
      nttForward(limb, kept.tables[i]!);
      subMulScalarShoup(x.data.subarray(i * n, (i + 1) * n), limb, this.inverse[i]!, this.inverseShoup[i]!, limb, q);
    }
    return out;
  }
}
