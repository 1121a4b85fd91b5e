// BootstrapRefresher (src/face/encrypted/bootstrapRefresher.ts) at small, INSECURE N = 2^10 on the CryptoFace chain
// shape (cryptofaceParameterSet: q_0 60, 45-bit band, EvalMod 8 × 58, CoeffsToSlots 3 × 51, P 5 × 61), bootstrapping
// 2^8 sparse slots of 2^9-slot ciphertexts, with encapsulation (h' = 32):
// - a slot vector periodic with period 2^8 comes back unchanged (it IS a valid 2^8-slot sparse ciphertext): max error
//   ≤ 2^-14·B against the float64 input (B = 4, inputs in [−B, B]; measured in the log line);
// - an independent prediction for a NON-periodic vector: SubSum projects onto the subring of Y = X^{N/2n}, i.e. the
//   result is the average of the two replicas, (v_j + v_{j+n})/2, in both halves (same tolerance);
// - the declared level/scale are the ones asked for, and bad configurations are refused with typed errors.
import { describe, expect, it } from 'vitest';
import { CkksContext } from '../../src/ckks/scheme/context.js';
import { Encoder } from '../../src/ckks/scheme/encoder.js';
import { Decryptor, Encryptor } from '../../src/ckks/scheme/encryptor.js';
import { Evaluator } from '../../src/ckks/scheme/evaluator.js';
import { KeyGenerator } from '../../src/ckks/scheme/keyGenerator.js';
import { seededRandom } from '../../src/ckks/ring/randomSource.js';
import { BootstrappingParameters } from '../../src/ckks/circuits/bootstrapping/bootstrappingParameters.js';
import { generateBootstrappingKeys } from '../../src/ckks/circuits/bootstrapping/bootstrappingKeys.js';
import { Bootstrapper } from '../../src/ckks/circuits/bootstrapping/bootstrapper.js';
import { BootstrapRefresher } from '../../src/face/encrypted/bootstrapRefresher.js';
import { cryptofaceParameterSet } from '../../src/face/encrypted/cryptofaceParameters.js';
import { expectCkksError } from '../support/expectCkksError.js';
import { randomReals, seed } from '../scheme/helpers.js';

const B = 4;
const SCALE = 2 ** 45;

function setup() {
  const set = cryptofaceParameterSet({ logN: 10, logSlots: 8, insecure: true });
  const ctx = new CkksContext(set.params);
  const random = seededRandom(seed(15));
  const kg = new KeyGenerator(ctx, random);
  const sk = kg.secretKey();
  const pk = kg.publicKey(sk);
  const params = new BootstrappingParameters(ctx, { ...set.bootstrapping, logOutputScale: Math.log2(SCALE * B) });
  const keys = generateBootstrappingKeys(params, sk, ['real'], { random });
  const ev = new Evaluator(ctx, { relinearizationKey: keys.relinearizationKey, galoisKeys: keys.galoisKeys });
  const encoder = new Encoder(ctx);
  const bs = new Bootstrapper(ev, encoder, params, { ...(keys.encapsulationKeys === undefined ? {} : { encapsulationKeys: keys.encapsulationKeys }) });
  const enc = new Encryptor(ctx, random);
  const dec = new Decryptor(ctx, sk);
  const slots = ctx.params.maxSlots;
  return {
    set, ctx, params, ev, bs, slots,
    encrypt: (v: Float64Array, level: number) => enc.encryptPublic(encoder.encode(v, { level, scale: SCALE }), pk),
    decrypt: (ct: Parameters<Decryptor['decrypt']>[0]) => encoder.decodeReal(dec.decrypt(ct)),
  };
}

describe('BootstrapRefresher (N = 2^10, insecure, CryptoFace chain shape, 2^8 sparse slots of 2^9)', () => {
  const s = setup();
  let calls = 0;
  const uniform = (n: number) => randomReals(n, 1000 + calls++).map((x) => x * B);
  const refresher = new BootstrapRefresher(s.ev, s.bs, { level: s.params.levels.output, scale: SCALE, bound: B, period: s.params.slots });

  it('returns a periodic slot vector unchanged at the declared level and scale', () => {
    const n = s.params.slots;
    const base = uniform(n);
    const v = Float64Array.from({ length: s.slots }, (_, j) => base[j % n]!);
    const [out] = refresher.refresh([s.encrypt(v, 0)]);
    expect(out!.level).toBe(s.set.levels.refreshLevel);
    expect(out!.scale).toBe(SCALE);
    expect(out!.slots).toBe(s.slots);
    const got = s.decrypt(out!);
    let e = 0;
    v.forEach((x, j) => { e = Math.max(e, Math.abs(got[j]! - x)); });
    console.log(`sparse refresh of a periodic vector (|v| ≤ ${B}): max error 2^${Math.log2(e).toFixed(1)}`);
    expect(e).toBeLessThanOrEqual(2 ** -14 * B);
  });

  it('averages the replicas of a non-periodic vector (the projection SubSum makes), from a higher level too', () => {
    const n = s.params.slots;
    const v = uniform(s.slots).map((x) => x / 2);
    const [out] = refresher.refresh([s.encrypt(v, 3)]);
    const got = s.decrypt(out!);
    let e = 0;
    for (let j = 0; j < s.slots; j++) e = Math.max(e, Math.abs(got[j]! - (v[j % n]! + v[(j % n) + n]!) / 2));
    expect(e).toBeLessThanOrEqual(2 ** -14 * B);
    expect(refresher.bootstraps).toBe(2);
  });

  it('refuses levels above the output, periods that do not divide the bootstrap slots, and bad bounds', () => {
    expectCkksError(() => new BootstrapRefresher(s.ev, s.bs, { level: s.params.levels.output + 1, scale: SCALE, bound: B, period: 256 }), 'DEPTH_EXHAUSTED');
    expectCkksError(() => new BootstrapRefresher(s.ev, s.bs, { level: 1, scale: SCALE, bound: B, period: 512 }), 'INCOMPATIBLE_PARAMETERS');
    expect(() => new BootstrapRefresher(s.ev, s.bs, { level: 1, scale: SCALE, bound: 0, period: 256 })).toThrow(RangeError);
    expectCkksError(() => new BootstrapRefresher(s.ev, s.bs, { level: 1, scale: SCALE, bound: 2 ** 10, period: 256 }), 'SCALE_MISMATCH');
  });
});
