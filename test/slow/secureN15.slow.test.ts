// [slow] Secure parameters at N = 2^15 (PN15QP838D4: 838 bits ≤ 881, uniform ternary secret, dnum = 4),
// 16384 slots, Δ = 2^40: the operations of the fast suite at a realistic size, against float64.
// Bounds: fresh ≤ 2^-20 (B_clean ≈ 2^20.2/Δ ≈ 2^-19.8 worst case; measured ≈ 2^-23), one product ≤ 2^-19, rotation ≤ 2^-19.
import { describe, expect, it } from 'vitest';
import { PN15QP838D4 } from '../../src/ckks/scheme/presets.js';
import { CkksContext } from '../../src/ckks/scheme/context.js';
import { Encoder } from '../../src/ckks/scheme/encoder.js';
import { Decryptor, Encryptor } from '../../src/ckks/scheme/encryptor.js';
import { Evaluator } from '../../src/ckks/scheme/evaluator.js';
import { KeyGenerator } from '../../src/ckks/scheme/keyGenerator.js';
import { seededRandom } from '../../src/ckks/ring/randomSource.js';
import { maxError, randomReals } from '../scheme/helpers.js';

describe('[slow] secure N = 2^15 (PN15QP838D4)', () => {
  it('encrypt, mul + relinearise + rescale, rotate, hoisted rotations: within the stated bounds', () => {
    const ctx = new CkksContext(PN15QP838D4);
    expect(ctx.params.insecure).toBe(false);
    const random = seededRandom(new Uint8Array(32).fill(15));
    const kg = new KeyGenerator(ctx, random);
    const sk = kg.secretKey();
    const pk = kg.publicKey(sk);
    const ev = new Evaluator(ctx, { relinearizationKey: kg.relinearizationKey(sk), galoisKeys: kg.galoisKeys(sk, [1, 7]) });
    const encoder = new Encoder(ctx);
    const enc = new Encryptor(ctx, random);
    const dec = new Decryptor(ctx, sk);
    const n = ctx.params.maxSlots;
    const x = randomReals(n, 1), y = randomReals(n, 2);
    const cx = enc.encryptPublic(encoder.encode(x), pk), cy = enc.encryptPublic(encoder.encode(y), pk);
    const decode = (c: Parameters<typeof dec.decrypt>[0]) => encoder.decode(dec.decrypt(c));
    expect(maxError(decode(cx), x)).toBeLessThan(2 ** -20);
    const p = ev.mulRelinRescale(cx, cy);
    expect(maxError(decode(p), x.map((v, i) => v * y[i]!))).toBeLessThan(2 ** -19);
    const r = ev.rotateHoisted(cx, [1, 7]);
    for (const [k, c] of r) expect(maxError(decode(c), x.map((_, i) => x[(i + k) % n]!))).toBeLessThan(2 ** -19);
  });
});
