// [slow] Secure N = 2^16 bootstrapping, one bootstrap per preset (minutes each, opt-in: `npm run test:slow`).
// Input: uniform reals in [−1, 1] in every slot, fresh public-key encryption at level 0, real path.
// Asserted: the documented output level and scale; precision −log2(mean |error|) and −log2(max |error|) over the
// slots: preset 1 ≥ 25 / 18 bits (the bar; measured in bench/results), face preset ≥ 21 / 16 bits (22.3 / 18.7 measured on its chain at N = 2^15, 2^14 slots).
import { describe, expect, it } from 'vitest';
import { CkksContext } from '../../src/ckks/scheme/context.js';
import { Encoder } from '../../src/ckks/scheme/encoder.js';
import { Decryptor, Encryptor } from '../../src/ckks/scheme/encryptor.js';
import { Evaluator } from '../../src/ckks/scheme/evaluator.js';
import { KeyGenerator } from '../../src/ckks/scheme/keyGenerator.js';
import {
  Bootstrapper, BootstrappingParameters, type BootstrappingPreset, N16QP1546H192H32, N16QP1740FACE, generateBootstrappingKeys,
} from '../../src/ckks/circuits/bootstrapping/index.js';
import { randomReals } from '../scheme/helpers.js';

function run(preset: BootstrappingPreset): { mean: number; min: number; level: number; scale: number; params: BootstrappingParameters } {
  const ctx = new CkksContext(preset.params);
  expect(ctx.params.insecure).toBe(false);
  const params = new BootstrappingParameters(ctx, preset.bootstrapping);
  const kg = new KeyGenerator(ctx);
  const sk = kg.secretKey();
  const pk = kg.publicKey(sk);
  const keys = generateBootstrappingKeys(params, sk, ['real']);
  const evaluator = new Evaluator(ctx, { relinearizationKey: keys.relinearizationKey, galoisKeys: keys.galoisKeys });
  const encoder = new Encoder(ctx);
  const bootstrapper = new Bootstrapper(evaluator, encoder, params, { encapsulationKeys: keys.encapsulationKeys!, paths: ['real'] });
  const x = randomReals(params.slots, 2016);
  const out = bootstrapper.bootstrap(new Encryptor(ctx).encryptPublic(encoder.encode(x, { level: 0, slots: params.slots }), pk));
  const got = encoder.decode(new Decryptor(ctx, sk).decrypt(out));
  let sum = 0;
  let max = 0;
  for (let i = 0; i < x.length; i++) {
    const e = Math.abs(got.re[i]! - x[i]!);
    sum += e;
    max = Math.max(max, e);
  }
  const result = { mean: -Math.log2(sum / x.length), min: -Math.log2(max), level: out.level, scale: out.scale, params };
  console.log(`${preset.name}: precision ${result.mean.toFixed(1)} bits mean, ${result.min.toFixed(1)} bits min, level ${out.level}`);
  return result;
}

describe('[slow] secure N = 2^16 bootstrapping', () => {
  it('N16QP1546H192H32 (Lattigo mirror), 2^15 slots: 9 levels left at scale 2^40, precision ≥ 25 bits mean, ≥ 18 min', () => {
    const r = run(N16QP1546H192H32);
    expect(r.level).toBe(9);
    expect(r.scale).toBe(2 ** 40);
    expect(r.mean).toBeGreaterThanOrEqual(25);
    expect(r.min).toBeGreaterThanOrEqual(18);
  });

  it('N16QP1740FACE, 2^14 slots: 16 levels left at scale 2^40, precision ≥ 21 bits mean, ≥ 16 min', () => {
    const r = run(N16QP1740FACE);
    expect(r.level).toBeGreaterThanOrEqual(16);
    expect(r.scale).toBe(2 ** 40);
    expect(r.mean).toBeGreaterThanOrEqual(21);
    expect(r.min).toBeGreaterThanOrEqual(16);
  });
});
