// TEST-ONLY "oracle refresh": stands in for bootstrapping by DECRYPTING with the secret key and re-encrypting at a
// higher level. It holds the secret key, so it must never be part of a server: it lives under test/ and implements
// only the `Refresher` interface the encrypted network takes as a parameter (src/face/encrypted/encryptedCfnet.ts).
// The real bootstrapper replaces it; the network code does not know which one it got.
import type { Encoder } from '../../src/ckks/scheme/encoder.js';
import type { Decryptor, Encryptor } from '../../src/ckks/scheme/encryptor.js';
import type { PublicKey } from '../../src/ckks/scheme/keys.js';
import type { Ciphertext } from '../../src/ckks/scheme/plaintext.js';
import type { Refresher } from '../../src/face/encrypted/encryptedCfnet.js';

export class OracleRefreshForTestsOnly implements Refresher {
  /** Refreshes performed (each decrypts and re-encrypts every ciphertext of the tensor). */
  calls = 0;

  constructor(
    private readonly encoder: Encoder,
    private readonly decryptor: Decryptor,
    private readonly encryptor: Encryptor,
    private readonly pk: PublicKey,
    readonly level: number,
    readonly scale: number,
  ) {}

  refresh(cts: readonly Ciphertext[]): Ciphertext[] {
    this.calls++;
    return cts.map((ct) => {
      const values = this.encoder.decodeReal(this.decryptor.decrypt(ct));
      return this.encryptor.encryptPublic(this.encoder.encode(values, { level: this.level, scale: this.scale, slots: ct.slots }), this.pk);
    });
  }
}
