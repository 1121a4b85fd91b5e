/**
 * HerPN (CryptoFace's quadratic activation, reference §2.3) on packed ciphertexts in ONE level: the monic form
 * x² + a1[c]·x + a0[c] per channel (its a2 is folded into the next convolution). The square x·x (degree 2, scale
 * s²), the linear part a1 ⊙ x (a1 encoded at scale s, so its product also has scale s² — no rescale of its own) and
 * a0 (encoded at s²) are added before one fused relinearise-rescale: output scale exactly s²/q_ℓ. Twin of
 * `herpnMonic` (../herpn.ts). The reference (§5.4) rescales the two products separately; here they share one.
 * The intermediate ciphertexts go back to the thread pool's recycler (circuits/temporaries.ts) once the output exists.
 */
import type { Encoder } from '../../ckks/scheme/encoder.js';
import type { Evaluator } from '../../ckks/scheme/evaluator.js';
import type { Ciphertext, Plaintext } from '../../ckks/scheme/plaintext.js';
import { pinScale } from '../../ckks/scheme/scale.js';
import { releaseCiphertexts } from '../../ckks/circuits/temporaries.js';
import { CkksError } from '../../ckks/errors.js';
import { packChannelConstants, type PackedLayout } from './packedLayout.js';

/** Monic per-channel coefficients of one patch. */
export interface MonicCoefficients {
  readonly a1: Float64Array;
  readonly a0: Float64Array;
}

export class EncryptedHerpn {
  readonly outputScale: number;
  private encoded: { a1: Plaintext[]; a0: Plaintext[] } | undefined;

  /** `coefficients[p]`: patch p's a1, a0 (one value per channel of `layout`). */
  constructor(
    readonly name: string,
    readonly layout: PackedLayout,
    private readonly coefficients: readonly MonicCoefficients[],
    readonly level: number,
    readonly inputScale: number,
    q: number,
  ) {
    if (level < 1) throw new CkksError('DEPTH_EXHAUSTED', `${name}: HerPN needs a level to rescale, input at level ${level}`);
    this.outputScale = (inputScale * inputScale) / q;
  }

  /** The output scale of HerPN on inputs of scale s at a level whose last prime is q: s²/q. */
  static outputScaleFor(inputScale: number, q: number): number {
    return (inputScale * inputScale) / q;
  }

  /** Encodes the coefficient vectors (one a1 and one a0 plaintext per ciphertext of the layout). */
  prepare(encoder: Encoder): void {
    if (this.encoded !== undefined) return;
    const s = this.inputScale;
    const opts = (scale: number) => ({ level: this.level, scale, slots: this.layout.slots });
    const a1 = packChannelConstants(this.layout, this.coefficients.map((c) => c.a1)).map((v) => encoder.encode(v, opts(s)));
    const a0 = packChannelConstants(this.layout, this.coefficients.map((c) => c.a0)).map((v) => encoder.encode(v, opts(s * s)));
    this.encoded = { a1, a0 };
  }

  /** Bytes of the encoded coefficients. */
  plaintextBytes(encoder: Encoder): number {
    return 2 * this.layout.ciphertexts * (this.level + 1) * encoder.context.ringDegree * 8;
  }

  /** One relinearisation (a key switch) per ciphertext. */
  get keySwitches(): number {
    return this.layout.ciphertexts;
  }

  evaluate(evaluator: Evaluator, encoder: Encoder, xs: readonly Ciphertext[]): Ciphertext[] {
    this.prepare(encoder);
    const { a1, a0 } = this.encoded!;
    if (xs.length !== this.layout.ciphertexts) throw new RangeError(`${this.name}: ${xs.length} ciphertexts for a layout of ${this.layout.ciphertexts}`);
    return xs.map((x, j) => {
      if (x.level !== this.level) throw new CkksError('LEVEL_MISMATCH', `${this.name}: input at level ${x.level}, prepared for ${this.level}`);
      if (x.scale !== this.inputScale) throw new CkksError('SCALE_MISMATCH', `${this.name}: input scale 2^${Math.log2(x.scale)}, prepared for 2^${Math.log2(this.inputScale)}`);
      const square = evaluator.mulNoRelin(x, x);
      const linear = evaluator.mulPlain(x, a1[j]!);
      const partial = evaluator.add(square, linear);
      const sum = evaluator.add(partial, a0[j]!);
      // s²/q computed once, so every HerPN output of this layer has the same declared scale (pinned: scale.ts)
      const out = pinScale(evaluator.relinearizeRescale(sum), this.outputScale, this.name);
      releaseCiphertexts([square, linear, partial, sum], [x, out]);
      return out;
    });
  }
}
