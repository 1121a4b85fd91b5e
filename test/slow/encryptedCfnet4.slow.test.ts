// SLOW (npm run test:slow, CKKS_SLOW=1): the full encrypted CFNet4 with the trained weights (models/cfnet4) at the
// secure preset CFNET4_N16 (N = 2^16, 128-bit, four patches packed), with the TEST-ONLY oracle refresh before
// block 4, on reference face 0: every block output (decrypted, all four patches) and the 256-d fused feature
// against the float64 forward pass of src/face on the same input. Keys: levelled Galois keys for exactly the
// planned steps. Tolerance: fused feature max abs error ≤ 1e-3 (the bar; measured ≈ 1e-6), block outputs
// ≤ 1e-4 relative to their max. Takes tens of minutes on a shared 2-core machine and ≈ 10 GB.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CkksContext } from '../../src/ckks/scheme/context.js';
import { Encoder } from '../../src/ckks/scheme/encoder.js';
import { Decryptor, Encryptor } from '../../src/ckks/scheme/encryptor.js';
import { Evaluator } from '../../src/ckks/scheme/evaluator.js';
import { KeyGenerator } from '../../src/ckks/scheme/keyGenerator.js';
import { levelledGaloisKey, levelledRelinearizationKey } from '../../src/ckks/scheme/levelledKeys.js';
import { conjugationElement, galoisElementForRotation } from '../../src/ckks/ring/automorphism.js';
import type { GaloisKey } from '../../src/ckks/scheme/keys.js';
import { loadWeights } from '../../src/face/weights.js';
import { embedInput } from '../../src/face/model.js';
import { preprocessFace, toPatches } from '../../src/face/preprocess.js';
import { EncryptedCfnet } from '../../src/face/encrypted/encryptedCfnet.js';
import { CFNET4_N16, CFNET4_N16_LEVELS } from '../../src/face/encrypted/networkParameters.js';
import { unpackTensors } from '../../src/nn/encrypted/packedLayout.js';
import { PlaintextStore } from '../../src/nn/encrypted/plaintextStore.js';
import type { Tensor3 } from '../../src/nn/tensor.js';
import { OracleRefreshForTestsOnly } from '../support/oracleRefresh.js';

const MODEL = join(import.meta.dirname, '..', '..', 'models', 'cfnet4');

describe('encrypted CFNet4 at N = 2^16 (secure preset, oracle refresh) vs float64', () => {
  it('block outputs and the fused 256-d feature of reference face 0', () => {
    const weights = loadWeights(readFileSync(join(MODEL, 'weights.json'), 'utf8'), new Uint8Array(readFileSync(join(MODEL, 'reference', '..', 'weights.bin'))));
    const rgb = new Uint8Array(readFileSync(join(MODEL, 'reference', 'inputs.u8'))).subarray(0, 112 * 112 * 3);
    const x = preprocessFace(rgb, weights.inputSize);
    const plain = new Map<string, Tensor3[]>();
    const y = embedInput(weights, x, (_p, name, v) => {
      if (!(v instanceof Float64Array)) plain.set(name, [...(plain.get(name) ?? []), v]);
    });

    const ctx = new CkksContext(CFNET4_N16);
    expect(ctx.params.insecure).toBe(false);
    const encoder = new Encoder(ctx);
    const net = EncryptedCfnet.compile(ctx, weights, { slots: ctx.params.maxSlots, ...CFNET4_N16_LEVELS, });
    const keygen = new KeyGenerator(ctx);
    const sk = keygen.secretKey();
    const pk = keygen.publicKey(sk);
    const galoisKeys = new Map<number, GaloisKey>();
    for (const [step, level] of net.rotationKeyLevels()) {
      const e = galoisElementForRotation(step, ctx.ringDegree);
      galoisKeys.set(e, levelledGaloisKey(ctx, sk, e, level));
    }
    const conj = net.conjugationLevel();
    if (conj !== undefined) galoisKeys.set(conjugationElement(ctx.ringDegree), levelledGaloisKey(ctx, sk, conjugationElement(ctx.ringDegree), conj));
    const evaluator = new Evaluator(ctx, { relinearizationKey: levelledRelinearizationKey(ctx, sk, net.relinearizationLevel()), galoisKeys });
    const store = new PlaintextStore(4e9);
    net.prepare(encoder, store);
    const encryptor = new Encryptor(ctx);
    const decryptor = new Decryptor(ctx, sk);
    const input = net.packInput(toPatches(x, weights.grid)).map((v) => encryptor.encryptPublic(encoder.encode(v, { level: net.inputLevel, scale: net.inputScale }), pk));
    const refresh = new OracleRefreshForTestsOnly(encoder, decryptor, encryptor, pk, net.refreshLevel, net.refreshScale);
    const worst: Record<string, number> = {};
    const out = net.forward(evaluator, encoder, input, refresh, {
      store,
      trace: (name, layout, cts) => {
        if (layout === undefined || !plain.has(name)) return;
        const got = unpackTensors(layout, cts.map((c) => encoder.decodeReal(decryptor.decrypt(c))));
        const want = plain.get(name)!;
        let e = 0;
        let m = 0;
        got.forEach((t, p) => t.data.forEach((v, j) => {
          e = Math.max(e, Math.abs(v - want[p]!.data[j]!));
          m = Math.max(m, Math.abs(want[p]!.data[j]!));
        }));
        worst[name] = e / m;
      },
    });
    const got = encoder.decodeReal(decryptor.decrypt(out));
    let e = 0;
    y.forEach((v, j) => { e = Math.max(e, Math.abs(v - got[j]!)); });
    console.log(`encrypted CFNet4 N = 2^16: fused max abs error ${e.toExponential(2)}; relative per block ${JSON.stringify(worst)}`);
    for (const [name, r] of Object.entries(worst)) expect(r, name).toBeLessThanOrEqual(1e-4);
    expect(e).toBeLessThanOrEqual(1e-3);
  });
});
