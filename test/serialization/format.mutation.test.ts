// Serialisation field by field: every header and body field is altered on its own, with the CRC-32 recomputed so
// that the field's own check (not the checksum) must refuse it, and each boundary value the format allows is
// accepted. Offsets follow docs/serialization.md: magic 0..3, version 4..5, type 6, flags 7, fingerprint 8..15,
// body from 16. Small insecure parameters (N = 2^4), exact comparisons.
import { describe, expect, it } from 'vitest';
import { CkksContext } from '../../src/ckks/scheme/context.js';
import { Parameters } from '../../src/ckks/scheme/parameters.js';
import { Encoder } from '../../src/ckks/scheme/encoder.js';
import { Encryptor } from '../../src/ckks/scheme/encryptor.js';
import { KeyGenerator } from '../../src/ckks/scheme/keyGenerator.js';
import { Ciphertext } from '../../src/ckks/scheme/plaintext.js';
import { seededRandom } from '../../src/ckks/ring/randomSource.js';
import { ByteReader, ByteWriter } from '../../src/ckks/serialization/binary.js';
import * as S from '../../src/ckks/serialization/index.js';
import { expectCkksError } from '../support/expectCkksError.js';

const N = 16;
const HEADER = 16;

function setup(secret?: { kind: 'sparse-ternary'; hammingWeight: number }) {
  const ctx = new CkksContext({ logN: 4, logQ: [50, 40], logP: [50], logDefaultScale: 30, insecure: true, ...(secret ? { secret } : {}) });
  const random = seededRandom(new Uint8Array(32).fill(secret ? 9 : 4));
  const kg = new KeyGenerator(ctx, random);
  const sk = kg.secretKey();
  const encoder = new Encoder(ctx);
  const enc = new Encryptor(ctx, random);
  const pt = encoder.encode([0.5, -1, 2, 0.25], { level: 1 });
  return {
    ctx, sk, pk: kg.publicKey(sk), rlk: kg.relinearizationKey(sk), gk: kg.galoisKey(sk, 5), conj: kg.galoisKey(sk, 2 * N - 1),
    encoder, pt, ptLow: encoder.encode([1, 2], { level: 0 }), ctSk: enc.encryptSecret(pt, sk), ctPk: enc.encryptPublic(pt, kg.publicKey(sk)),
  };
}

/** Copy of `blob` with `edit` applied to the payload and the CRC-32 trailer recomputed. */
function patched(blob: Uint8Array, edit: (b: Uint8Array, view: DataView) => void): Uint8Array {
  const out = blob.slice();
  edit(out, new DataView(out.buffer));
  return withCrc(out);
}
function withCrc(b: Uint8Array): Uint8Array {
  const out = b.slice();
  new DataView(out.buffer).setUint32(out.length - 4, S.crc32(out.subarray(0, out.length - 4)), true);
  return out;
}
/** The payload (without CRC) of `blob` followed by `extra`, with a fresh CRC. */
function appended(blob: Uint8Array, extra: Uint8Array): Uint8Array {
  const out = new Uint8Array(blob.length + extra.length);
  out.set(blob.subarray(0, blob.length - 4));
  out.set(extra, blob.length - 4);
  return withCrc(out);
}

const s = setup();
const words = (ct: Ciphertext, i: number) => Array.from(ct.parts[i]!.data);

describe('header fields (CRC recomputed, so the field check must refuse)', () => {
  const blob = S.serializeCiphertext(s.ctPk);
  const read = (b: Uint8Array) => S.deserializeCiphertext(s.ctx, b);

  it('the untouched blob and one with only the CRC recomputed are accepted', () => {
    expect(words(read(blob), 1)).toEqual(words(s.ctPk, 1));
    expect(words(read(withCrc(blob)), 0)).toEqual(words(s.ctPk, 0));
  });
  it('input that is not a Uint8Array is a TypeError (even with the same bytes)', () => {
    expect(() => read(Uint8ClampedArray.from(blob) as unknown as Uint8Array)).toThrow(TypeError);
    expect(() => read(Array.from(blob) as unknown as Uint8Array)).toThrow(TypeError);
  });
  it('each magic byte, the version (0, 2, 256) and an unknown or different type are CORRUPT_INPUT', () => {
    for (let i = 0; i < 4; i++) expectCkksError(() => read(patched(blob, (b) => { b[i] = b[i]! ^ 0x20; })), 'CORRUPT_INPUT');
    for (const v of [0, 2, 256]) expectCkksError(() => read(patched(blob, (_, d) => d.setUint16(4, v, true))), 'CORRUPT_INPUT');
    for (const t of [0, 2, 7, 9, 255]) expectCkksError(() => read(patched(blob, (b) => { b[6] = t; })), 'CORRUPT_INPUT');
    // the retired Galois-key type 7 is refused even where a Galois key is expected
    expectCkksError(() => S.deserializeGaloisKey(s.ctx, patched(S.serializeGaloisKey(s.gk), (b) => { b[6] = 7; })), 'CORRUPT_INPUT');
    // a valid object of another type
    expectCkksError(() => S.deserializePlaintext(s.ctx, blob), 'CORRUPT_INPUT');
    expectCkksError(() => read(S.serializePlaintext(s.pt)), 'CORRUPT_INPUT');
  });
  it('unknown flag bits are CORRUPT_INPUT', () => {
    for (const f of [2, 4, 0x80, 3]) expectCkksError(() => read(patched(blob, (b) => { b[7] = f; })), 'CORRUPT_INPUT');
  });
  it('a fingerprint of another parameter set is INCOMPATIBLE_PARAMETERS for every object type', () => {
    const flip = (b: Uint8Array) => patched(b, (x) => { x[8] = x[8]! ^ 1; });
    expectCkksError(() => read(flip(blob)), 'INCOMPATIBLE_PARAMETERS');
    expectCkksError(() => S.deserializePlaintext(s.ctx, flip(S.serializePlaintext(s.pt))), 'INCOMPATIBLE_PARAMETERS');
    expectCkksError(() => S.deserializeSecretKey(s.ctx, flip(S.serializeSecretKey(s.sk))), 'INCOMPATIBLE_PARAMETERS');
    expectCkksError(() => S.deserializePublicKey(s.ctx, flip(S.serializePublicKey(s.pk))), 'INCOMPATIBLE_PARAMETERS');
    expectCkksError(() => S.deserializeRelinearizationKey(s.ctx, flip(S.serializeRelinearizationKey(s.rlk))), 'INCOMPATIBLE_PARAMETERS');
    expectCkksError(() => S.deserializeGaloisKey(s.ctx, flip(S.serializeGaloisKey(s.gk))), 'INCOMPATIBLE_PARAMETERS');
  });
  it('inputs shorter than header + CRC, and a bare header with a valid CRC, are CORRUPT_INPUT', () => {
    for (const len of [0, 3, 4, 19]) expectCkksError(() => read(blob.subarray(0, len)), 'CORRUPT_INPUT');
    expectCkksError(() => read(withCrc(Uint8Array.from([...blob.subarray(0, HEADER), 0, 0, 0, 0]))), 'CORRUPT_INPUT');
  });
  it('a body cut short or followed by extra bytes (CRC recomputed) is CORRUPT_INPUT, never a RangeError', () => {
    for (const cut of [1, 7, 8, 9, 100, blob.length - HEADER - 8]) {
      expectCkksError(() => read(withCrc(blob.subarray(0, blob.length - cut))), 'CORRUPT_INPUT');
    }
    for (const extra of [[0], [1, 2, 3, 4, 5, 6, 7, 8]]) expectCkksError(() => read(appended(blob, Uint8Array.from(extra))), 'CORRUPT_INPUT');
  });
});

describe('ciphertext and plaintext body fields', () => {
  // ciphertext body: level u8 @16, degree u8 @17, slots u32 @18, scale f64 @22, then the residues
  const blob = S.serializeCiphertext(s.ctPk);
  const read = (b: Uint8Array) => S.deserializeCiphertext(s.ctx, b);
  const maxSlots = s.ctx.params.maxSlots;

  it('slot counts 1 … N/2 (powers of two) are read back; 0, 3, 6, N and 2^31 are CORRUPT_INPUT', () => {
    for (let v = 1; v <= maxSlots; v *= 2) expect(read(patched(blob, (_, d) => d.setUint32(18, v, true))).slots).toBe(v);
    for (const v of [0, 3, 6, N, 2 ** 31]) expectCkksError(() => read(patched(blob, (_, d) => d.setUint32(18, v, true))), 'CORRUPT_INPUT');
  });
  it('any positive finite scale is read back exactly; 0, −0, negative, NaN and ±∞ are CORRUPT_INPUT', () => {
    for (const v of [Number.MIN_VALUE, 0.5, 2 ** 40, 1.7976931348623157e308]) expect(read(patched(blob, (_, d) => d.setFloat64(22, v, true))).scale).toBe(v);
    for (const v of [0, -0, -1, -(2 ** 40), NaN, Infinity, -Infinity]) expectCkksError(() => read(patched(blob, (_, d) => d.setFloat64(22, v, true))), 'CORRUPT_INPUT');
  });
  it('levels 0 and maxLevel round-trip; a level above maxLevel is CORRUPT_INPUT even when enough residues follow', () => {
    const low = new Ciphertext(s.ctx, s.ctPk.parts.map((p) => p.dropLastLimbs(1).clone()), s.ctPk.scale, s.ctPk.slots);
    const back = read(S.serializeCiphertext(low));
    expect(back.level).toBe(0);
    expect(words(back, 0)).toEqual(words(low, 0));
    expect(read(blob).level).toBe(s.ctx.maxLevel);
    // level byte maxLevel + 1 with one more limb's worth of words appended
    expectCkksError(() => read(appended(patched(blob, (b) => { b[16] = s.ctx.maxLevel + 1; }), new Uint8Array(3 * N * 8))), 'CORRUPT_INPUT');
  });
  it('degrees 1 and 2 round-trip; degrees 0 and 3 are CORRUPT_INPUT even with a matching number of polynomials', () => {
    const deg2 = new Ciphertext(s.ctx, [...s.ctPk.clone().parts, s.ctPk.parts[1]!.clone()], s.ctPk.scale, s.ctPk.slots);
    const b2 = S.serializeCiphertext(deg2);
    const back = read(b2);
    expect(back.degree).toBe(2);
    for (let i = 0; i < 3; i++) expect(words(back, i)).toEqual(words(deg2, i));
    const polyBytes = b2.subarray(HEADER + 14, HEADER + 14 + 2 * N * 8);
    expectCkksError(() => read(appended(patched(b2, (b) => { b[17] = 3; }), polyBytes)), 'CORRUPT_INPUT');
    // degree 0 followed by c_0 only
    const c0Only = Uint8Array.from([...blob.subarray(0, HEADER + 14 + 2 * N * 8), 0, 0, 0, 0]);
    expectCkksError(() => read(patched(c0Only, (b) => { b[17] = 0; })), 'CORRUPT_INPUT');
  });
  it('a seeded ciphertext claiming degree 2 is CORRUPT_INPUT', () => {
    const seeded = S.serializeCiphertext(s.ctSk);
    expect(seeded[7]).toBe(1);
    expectCkksError(() => read(patched(seeded, (b) => { b[17] = 2; })), 'CORRUPT_INPUT');
    expect(words(read(seeded), 1)).toEqual(words(s.ctSk, 1));
  });
  it('a degree-2 ciphertext is never written seeded, even with a seed attached', () => {
    const deg2 = new Ciphertext(s.ctx, [...s.ctSk.clone().parts, s.ctSk.parts[1]!.clone()], s.ctSk.scale, s.ctSk.slots);
    deg2.seed = s.ctSk.seed;
    const back = read(S.serializeCiphertext(deg2));
    expect(back.degree).toBe(2);
    expect(words(back, 2)).toEqual(words(deg2, 2));
  });
  it('a residue equal to its prime (or above) is CORRUPT_INPUT; q − 1 is accepted', () => {
    const q0 = s.ctx.params.Q[0]!, q1 = s.ctx.params.Q[1]!;
    const at = (limb: number, i: number) => HEADER + 14 + 8 * (limb * N + i);
    for (const [off, v] of [[at(0, 0), q0], [at(0, N - 1), q0 + 1n], [at(1, 3), q1], [at(1, N - 1), 2n ** 64n - 1n]] as const) {
      expectCkksError(() => read(patched(blob, (_, d) => d.setBigUint64(off, v, true))), 'CORRUPT_INPUT');
    }
    expect(read(patched(blob, (_, d) => d.setBigUint64(at(1, 5), q1 - 1n, true))).parts[0]!.data[N + 5]).toBe(q1 - 1n);
  });
  it('plaintexts: level 0 and maxLevel round-trip, slots/scale/residues checked the same way', () => {
    for (const pt of [s.pt, s.ptLow]) {
      const back = S.deserializePlaintext(s.ctx, S.serializePlaintext(pt));
      expect([back.level, back.slots, back.scale]).toEqual([pt.level, pt.slots, pt.scale]);
      expect(Array.from(back.poly.data)).toEqual(Array.from(pt.poly.data));
    }
    const pb = S.serializePlaintext(s.pt); // level @16, slots u32 @17, scale f64 @21
    const readPt = (b: Uint8Array) => S.deserializePlaintext(s.ctx, b);
    expectCkksError(() => readPt(patched(pb, (_, d) => d.setUint32(17, 3, true))), 'CORRUPT_INPUT');
    expectCkksError(() => readPt(patched(pb, (_, d) => d.setFloat64(21, 0, true))), 'CORRUPT_INPUT');
    expectCkksError(() => readPt(patched(pb, (_, d) => d.setBigUint64(HEADER + 13, s.ctx.params.Q[0]!, true))), 'CORRUPT_INPUT');
    expectCkksError(() => readPt(appended(patched(pb, (b) => { b[16] = s.ctx.maxLevel + 1; }), new Uint8Array(N * 8))), 'CORRUPT_INPUT');
  });
});

describe('parameters', () => {
  // body: logN @16, |Q| @17, |P| @18, dnum @19, secret kind @20, h u32 @21, sigma f64 @25, log scale f64 @33,
  // insecure @41, primes u64 from @42
  const params = s.ctx.params;
  const blob = S.serializeParameters(params);
  const read = (b: Uint8Array) => S.deserializeParameters(b);

  it('every field round-trips (ternary and sparse-ternary secrets, insecure flag)', () => {
    const back = read(blob);
    expect([back.logN, back.Q, back.P, back.dnum, back.sigma, back.logDefaultScale, back.insecure, back.secret])
      .toEqual([params.logN, params.Q, params.P, params.dnum, params.sigma, params.logDefaultScale, true, { kind: 'ternary' }]);
    const sparse = new Parameters({ logN: 4, logQ: [50, 40], logP: [50], logDefaultScale: 30, insecure: true, secret: { kind: 'sparse-ternary', hammingWeight: 5 } });
    const sb = S.serializeParameters(sparse);
    expect([sb[20], new DataView(sb.buffer).getUint32(21, true)]).toEqual([1, 5]);
    expect(blob[20]).toBe(0);
    expect(new DataView(blob.buffer).getUint32(21, true)).toBe(0);
    const sback = read(sb);
    expect(sback.secret).toEqual({ kind: 'sparse-ternary', hammingWeight: 5 });
    expect(sback.fingerprint()).toBe(sparse.fingerprint());
    const two = new Parameters({ logN: 4, logQ: [50, 40, 40], logP: [50, 50], logDefaultScale: 30, insecure: true, dnum: 2 });
    const tback = read(S.serializeParameters(two));
    expect([tback.dnum, tback.Q, tback.P]).toEqual([2, two.Q, two.P]);
  });
  it('out-of-range counts and flags are CORRUPT_INPUT', () => {
    const edits: [number, number][] = [[16, 3], [16, 18], [17, 0], [18, 0], [19, 0], [19, 3], [20, 2], [41, 2], [41, 255]];
    for (const [off, v] of edits) expectCkksError(() => read(patched(blob, (b) => { b[off] = v; })), 'CORRUPT_INPUT');
  });
  it('invalid contents (a prime that is not ≡ 1 mod 2N) are CORRUPT_INPUT, an insecure set without its flag INSECURE_PARAMETERS', () => {
    expectCkksError(() => read(patched(blob, (_, d) => d.setBigUint64(42, 1000003n, true))), 'CORRUPT_INPUT');
    expectCkksError(() => read(patched(blob, (b) => { b[41] = 0; })), 'INSECURE_PARAMETERS');
  });
  it('a valid parameter set that does not match the stored fingerprint is CORRUPT_INPUT', () => {
    expectCkksError(() => read(patched(blob, (_, d) => d.setFloat64(25, 3.3, true))), 'CORRUPT_INPUT'); // sigma is fingerprinted
    expect(read(patched(blob, (_, d) => d.setFloat64(33, 31, true))).logDefaultScale).toBe(31); // the default scale is not
  });
});

describe('keys', () => {
  it('secret keys: −1, 0, 1 round-trip; any other byte is CORRUPT_INPUT', () => {
    const blob = S.serializeSecretKey(s.sk);
    const back = S.deserializeSecretKey(s.ctx, blob);
    expect(Array.from(back.coefficients)).toEqual(Array.from(s.sk.coefficients));
    expect(new Set(s.sk.coefficients)).toEqual(new Set([-1, 0, 1]));
    for (const v of [2, -2, 127, -128]) expectCkksError(() => S.deserializeSecretKey(s.ctx, patched(blob, (b) => { b[HEADER + 3] = v & 0xff; })), 'CORRUPT_INPUT');
  });
  it('sparse secret keys: the Hamming weight must be the parameters\' one', () => {
    const sp = setup({ kind: 'sparse-ternary', hammingWeight: 6 });
    const blob = S.serializeSecretKey(sp.sk);
    expect(Array.from(S.deserializeSecretKey(sp.ctx, blob).coefficients)).toEqual(Array.from(sp.sk.coefficients));
    const zero = sp.sk.coefficients.indexOf(0), one = sp.sk.coefficients.findIndex((c) => c !== 0);
    expectCkksError(() => S.deserializeSecretKey(sp.ctx, patched(blob, (b) => { b[HEADER + zero] = 1; })), 'CORRUPT_INPUT');
    expectCkksError(() => S.deserializeSecretKey(sp.ctx, patched(blob, (b) => { b[HEADER + one] = 0; })), 'CORRUPT_INPUT');
    // swapping a +1 for a −1 keeps the weight: accepted
    const flipped = S.deserializeSecretKey(sp.ctx, patched(blob, (b) => { b[HEADER + one] = (-sp.sk.coefficients[one]!) & 0xff; }));
    expect(flipped.coefficients[one]).toBe(-sp.sk.coefficients[one]!);
  });
  it('public keys: seeded by default, unseeded on request, both read back exactly', () => {
    const seeded = S.serializePublicKey(s.pk), full = S.serializePublicKey(s.pk, { seeded: false });
    expect(seeded[7]).toBe(1);
    expect(full[7]).toBe(0);
    expect(S.serializePublicKey(s.pk, { seeded: true })).toEqual(seeded);
    expect(full.length - seeded.length).toBe(s.ctx.basisQP.size * N * 8);
    for (const b of [seeded, full]) {
      const back = S.deserializePublicKey(s.ctx, b);
      expect(Array.from(back.a.data)).toEqual(Array.from(s.pk.a.data));
      expect(Array.from(back.b.data)).toEqual(Array.from(s.pk.b.data));
    }
  });
  it('switching keys: seeded by default; Galois elements must be odd, > 1 and < 2N; relinearisation keys carry element 0', () => {
    for (const [key, ser, de] of [
      [s.gk, S.serializeGaloisKey, S.deserializeGaloisKey],
      [s.rlk, S.serializeRelinearizationKey, S.deserializeRelinearizationKey],
    ] as const) {
      const seeded = (ser as (k: typeof key, o?: { seeded?: boolean }) => Uint8Array)(key);
      const full = (ser as (k: typeof key, o?: { seeded?: boolean }) => Uint8Array)(key, { seeded: false });
      expect([seeded[7], full[7]]).toEqual([1, 0]);
      for (const b of [seeded, full]) {
        const back = (de as (c: CkksContext, b: Uint8Array) => typeof key)(s.ctx, b);
        key.a.forEach((p, j) => expect(Array.from(back.a[j]!.data)).toEqual(Array.from(p.data)));
        key.b.forEach((p, j) => expect(Array.from(back.b[j]!.data)).toEqual(Array.from(p.data)));
      }
    }
    const gb = S.serializeGaloisKey(s.gk);
    expect(S.deserializeGaloisKey(s.ctx, S.serializeGaloisKey(s.conj)).galoisElement).toBe(2 * N - 1);
    for (const k of [0, 1, 2, 4, 2 * N, 2 * N + 1, 2 * N + 5, 2 ** 32 - 1]) {
      expectCkksError(() => S.deserializeGaloisKey(s.ctx, patched(gb, (_, d) => d.setUint32(16, k, true))), 'CORRUPT_INPUT');
    }
    const rb = S.serializeRelinearizationKey(s.rlk);
    for (const k of [1, 3, 5]) expectCkksError(() => S.deserializeRelinearizationKey(s.ctx, patched(rb, (_, d) => d.setUint32(16, k, true))), 'CORRUPT_INPUT');
  });
  it('a digit count other than dnum is CORRUPT_INPUT, even with the matching number of polynomials', () => {
    const gb = S.serializeGaloisKey(s.gk); // element u32 @16, digits @20, seed @21..52, b_j from @53
    expect(gb[20]).toBe(s.ctx.params.dnum);
    const bPoly = gb.subarray(53, 53 + s.ctx.basisQP.size * N * 8);
    expectCkksError(() => S.deserializeGaloisKey(s.ctx, appended(patched(gb, (b) => { b[20] = s.ctx.params.dnum + 1; }), bPoly)), 'CORRUPT_INPUT');
    expectCkksError(() => S.deserializeGaloisKey(s.ctx, patched(gb, (b) => { b[20] = 0; })), 'CORRUPT_INPUT');
  });
});

describe('ByteWriter / ByteReader', () => {
  it('the writer copies the bytes it is given; the reader reports its position and refuses reads past the end', () => {
    const w = new ByteWriter();
    const src = Uint8Array.of(1, 2, 3);
    w.bytes(src);
    src[0] = 9;
    w.u16(0x0102);
    expect(Array.from(w.finish())).toEqual([1, 2, 3, 2, 1]);
    const r = new ByteReader(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17));
    expect(r.position).toBe(0);
    expect(r.u8('a')).toBe(1);
    expect(r.position).toBe(1);
    const out = new BigUint64Array(2);
    r.wordsBelow(out, 1n << 63n, 'w');
    expect(r.position).toBe(17);
    expect(r.remaining).toBe(0);
    expectCkksError(() => r.u8('past the end'), 'CORRUPT_INPUT');
    const short = new ByteReader(new Uint8Array(15));
    expectCkksError(() => short.wordsBelow(new BigUint64Array(2), 1n << 63n, 'w'), 'CORRUPT_INPUT');
    expect(short.position).toBe(0);
  });

  it('wordsBelow copies exactly and accepts a word iff it is below the bound (halves compared: equal high, lower/equal low; higher high)', () => {
    const bound = (0x1234n << 32n) + 0x80000000n;
    const cases: [bigint, boolean][] = [
      [0n, true], [bound - 1n, true], [bound, false], [bound + 1n, false],
      [(0x1234n << 32n) + 0xffffffffn, false], [(0x1233n << 32n) + 0xffffffffn, true], [0x1235n << 32n, false],
      [(1n << 64n) - 1n, false],
    ];
    for (const [v, ok] of cases) {
      for (const shift of [0, 3]) { // aligned and unaligned source offsets
        const w = new ByteWriter();
        for (let k = 0; k < shift; k++) w.u8(7);
        w.u64(5n);
        w.u64(v);
        const r = new ByteReader(w.finish());
        for (let k = 0; k < shift; k++) r.u8('pad');
        const out = new BigUint64Array(2);
        if (ok) {
          r.wordsBelow(out, bound, 'w');
          expect(Array.from(out)).toEqual([5n, v]);
          expect(r.remaining).toBe(0);
        } else {
          expectCkksError(() => r.wordsBelow(out, bound, 'w'), 'CORRUPT_INPUT');
        }
      }
    }
  });
});
