// ModRaise and sparse-secret encapsulation against a BigInt reference (small insecure N = 2^10): a level-0
// ciphertext (c_0, c_1) must decrypt, after raising, to exactly t = [c_0] + [c_1]·s over the integers ([·] the
// centred residue mod q_0, the product negacyclic, computed with BigInt), so t ≡ decryption mod q_0 and
// I = (t − [t]_{q_0})/q_0 is a small integer polynomial, |I| ≤ (h + 1)/2 for a secret of Hamming weight h.
import { describe, expect, it } from 'vitest';
import { CkksContext } from '../../src/ckks/scheme/context.js';
import { Encoder } from '../../src/ckks/scheme/encoder.js';
import { Decryptor, Encryptor } from '../../src/ckks/scheme/encryptor.js';
import { KeyGenerator } from '../../src/ckks/scheme/keyGenerator.js';
import { Ciphertext } from '../../src/ckks/scheme/plaintext.js';
import { modRaise } from '../../src/ckks/scheme/modRaise.js';
import { generateEncapsulationKeys, modRaiseFromEphemeral, switchToEphemeral } from '../../src/ckks/scheme/sparseSecretEncapsulation.js';
import { crtReconstructPolyCentered } from '../../src/ckks/ring/crt.js';
import { seededRandom } from '../../src/ckks/ring/randomSource.js';
import { CkksError } from '../../src/ckks/errors.js';
import type { RnsPoly } from '../../src/ckks/ring/rnsPoly.js';
import { randomReals, seed } from '../scheme/helpers.js';

const LIT = { logN: 10, logQ: [50, 40, 40, 40, 40], logP: [55, 55], logDefaultScale: 30, insecure: true } as const;

function centered(p: RnsPoly): bigint[] {
  const c = p.clone();
  if (c.form === 'evaluation') c.toCoefficient();
  return crtReconstructPolyCentered(c);
}

/** [c_0] + [c_1]·s in Z[X]/(X^N + 1), BigInt. */
function integerDecryption(c0: bigint[], c1: bigint[], s: Int8Array): bigint[] {
  const N = s.length;
  const t = c0.slice();
  for (let j = 0; j < N; j++) {
    if (s[j] === 0) continue;
    const sj = BigInt(s[j]!);
    for (let i = 0; i < N; i++) {
      const k = i + j;
      if (k < N) t[k] = t[k]! + sj * c1[i]!;
      else t[k - N] = t[k - N]! - sj * c1[i]!;
    }
  }
  return t;
}

describe('ModRaise (small insecure N = 2^10)', () => {
  const ctx = new CkksContext({ ...LIT, secret: { kind: 'sparse-ternary', hammingWeight: 16 } });
  const random = seededRandom(seed(1201));
  const kg = new KeyGenerator(ctx, random);
  const sk = kg.secretKey();
  const pk = kg.publicKey(sk);
  const encoder = new Encoder(ctx);
  const enc = new Encryptor(ctx, random);
  const dec = new Decryptor(ctx, sk);
  const q0 = ctx.params.Q[0]!;

  it('raised ciphertext decrypts to [c_0] + [c_1]·s exactly (BigInt), ≡ m mod q_0, |I| ≤ (h + 1)/2', () => {
    const ct = enc.encryptPublic(encoder.encode(randomReals(512, 3), { level: 0, scale: 2 ** 30 }), pk);
    const raised = modRaise(ctx, ct);
    expect(raised.level).toBe(ctx.maxLevel);
    expect(raised.scale).toBe(ct.scale);
    const t = centered(dec.decrypt(raised).poly);
    const want = integerDecryption(centered(ct.parts[0]!), centered(ct.parts[1]!), sk.coefficients);
    expect(t).toEqual(want);
    const m = centered(dec.decrypt(ct).poly);
    let maxI = 0n;
    for (let i = 0; i < t.length; i++) {
      const I = (t[i]! - m[i]!) / q0;
      expect(I * q0 + m[i]!).toBe(t[i]);
      if ((I < 0n ? -I : I) > maxI) maxI = I < 0n ? -I : I;
    }
    expect(Number(maxI)).toBeLessThanOrEqual((16 + 1) / 2);
    expect(maxI).toBeGreaterThan(0n);
  });

  it('to a lower level; refuses a ciphertext above level 0 (LEVEL_MISMATCH)', () => {
    const ct = enc.encryptPublic(encoder.encode([0.5], { level: 0, scale: 2 ** 30 }), pk);
    expect(modRaise(ctx, ct, 2).level).toBe(2);
    const high = enc.encryptPublic(encoder.encode([0.5], { level: 1, scale: 2 ** 30 }), pk);
    expect(() => modRaise(ctx, high)).toThrow(CkksError);
    expect(() => modRaise(ctx, high)).toThrow(/LEVEL_MISMATCH/);
  });
});

describe('sparse-secret encapsulation (small insecure N = 2^10, dense ternary main secret, h\' = 8)', () => {
  const ctx = new CkksContext(LIT);
  const random = seededRandom(seed(1202));
  const kg = new KeyGenerator(ctx, random);
  const sk = kg.secretKey();
  const pk = kg.publicKey(sk);
  const encoder = new Encoder(ctx);
  const enc = new Encryptor(ctx, random);
  const dec = new Decryptor(ctx, sk);
  const keys = generateEncapsulationKeys(ctx, sk, { hammingWeight: 8, random });
  const q0 = ctx.params.Q[0]!;

  it('switch to s\', raise, switch back: decrypts under s to m + q_0·I with |I| ≤ (8 + 1)/2; message error ≤ 2^-17 (switching noise ≈ ‖s‖ + ‖s₂‖ per coefficient at scale 2^30)', () => {
    const x = randomReals(512, 9);
    const ct = enc.encryptPublic(encoder.encode(x, { level: 0, scale: 2 ** 30 }), pk);
    const eph = switchToEphemeral(ctx, keys, ct);
    expect(eph.level).toBe(0);
    // raised to level 0 and switched back: the same message under s, up to the switching noise
    const back = encoder.decode(dec.decrypt(modRaiseFromEphemeral(ctx, keys, eph, 0)));
    let err = 0;
    for (let i = 0; i < 512; i++) err = Math.max(err, Math.abs(back.re[i]! - x[i]!));
    expect(err).toBeLessThan(2 ** -17);
    const raised = modRaiseFromEphemeral(ctx, keys, eph);
    expect(raised.level).toBe(ctx.maxLevel);
    const t = centered(dec.decrypt(raised).poly);
    const m = centered(dec.decrypt(ct).poly);
    let maxI = 0n;
    let maxDiff = 0n;
    for (let i = 0; i < t.length; i++) {
      // t − m must be q_0·I plus the small noise of the s' → s switch
      const r = t[i]! - m[i]!;
      const I = (r + q0 / 2n) / q0 - (r + q0 / 2n < 0n ? 1n : 0n);
      const diff = r - I * q0;
      if ((diff < 0n ? -diff : diff) > maxDiff) maxDiff = diff < 0n ? -diff : diff;
      if ((I < 0n ? -I : I) > maxI) maxI = I < 0n ? -I : I;
    }
    expect(Number(maxI)).toBeLessThanOrEqual(4.5);
    expect(Number(maxDiff)).toBeLessThan(2 ** 10);
  });

  it('key bytes; refuses a level above 0', () => {
    expect(keys.bytes.plain).toBe(2 * 2 * 1024 * 8 + 2 * 7 * 1024 * 8);
    const high = enc.encryptPublic(encoder.encode([0.5], { level: 1 }), pk);
    expect(() => switchToEphemeral(ctx, keys, high)).toThrow(/LEVEL_MISMATCH/);
    expect(() => modRaiseFromEphemeral(ctx, keys, high)).toThrow(/LEVEL_MISMATCH/);
    expect(high).toBeInstanceOf(Ciphertext);
  });
});
