// SLOW (npm run test:slow, CKKS_SLOW=1): the full encrypted CFNet4 with the trained weights (models/cfnet4) at the
// ONE secure parameter set CRYPTOFACE_N16 (N = 2^16, 128-bit: dense ternary secret, log2 QP ≤ 1747; bootstrap through
// sparse-secret encapsulation h' = 32) with the REAL bootstrap as the refresh before block 4 (2^14 sparse slots,
// B = CRYPTOFACE_REFRESH_BOUND), through the client/server API (compileCryptoface, planNetworkKeys,
// generateNetworkKeys, EncryptedFaceServer from the evaluation keys only — handed over one phase at a time, a
// PhasedKeySource, so that the run fits next to other jobs: 7.9 GB of keys at most instead of 13.6 GB), on reference
// face 0: every block output and the 256-d fused feature against the float64 forward pass of src/face.
// Tolerances: fused feature max abs error ≤ 1e-4 (the target, so that the final score is within 1e-3),
// block outputs ≤ 1e-4 relative to their maximum; the fused feature keeps POST_FUSION_LEVELS levels.
// Needs ≈ 12 GB and tens of minutes on the shared 2-core machine (bench/results/layers-bootstrap-*.md).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CkksContext } from '../../src/ckks/scheme/context.js';
import { Encoder } from '../../src/ckks/scheme/encoder.js';
import { Decryptor, Encryptor } from '../../src/ckks/scheme/encryptor.js';
import { KeyGenerator } from '../../src/ckks/scheme/keyGenerator.js';
import { loadWeights } from '../../src/face/weights.js';
import { embedInput } from '../../src/face/model.js';
import { preprocessFace, toPatches } from '../../src/face/preprocess.js';
import { CRYPTOFACE_N16, POST_FUSION_LEVELS } from '../../src/face/encrypted/cryptofaceParameters.js';
import { compileCryptoface, EncryptedFaceServer, type ServerKeyPhase } from '../../src/face/encrypted/encryptedFaceServer.js';
import { generateNetworkKeys, planNetworkKeys } from '../../src/face/encrypted/networkKeys.js';
import { unpackTensors } from '../../src/nn/encrypted/packedLayout.js';
import type { Tensor3 } from '../../src/nn/tensor.js';

const MODEL = join(import.meta.dirname, '..', '..', 'models', 'cfnet4');

describe('encrypted CFNet4 at N = 2^16 (CRYPTOFACE_N16, secure) with the real bootstrap vs float64', () => {
  it('block outputs and the fused 256-d feature of reference face 0', () => {
    const weights = loadWeights(readFileSync(join(MODEL, 'weights.json'), 'utf8'), new Uint8Array(readFileSync(join(MODEL, 'weights.bin'))));
    const rgb = new Uint8Array(readFileSync(join(MODEL, 'reference', 'inputs.u8'))).subarray(0, 112 * 112 * 3);
    const x = preprocessFace(rgb, weights.inputSize);
    const plain = new Map<string, Tensor3[]>();
    const y = embedInput(weights, x, (_p, name, v) => {
      if (!(v instanceof Float64Array)) plain.set(name, [...(plain.get(name) ?? []), v]);
    });

    const ctx = new CkksContext(CRYPTOFACE_N16.params);
    expect(ctx.params.insecure).toBe(false);
    expect(ctx.params.logQP).toBeLessThanOrEqual(1747);
    // client
    const keygen = new KeyGenerator(ctx);
    const sk = keygen.secretKey();
    const pk = keygen.publicKey(sk);
    const setup = compileCryptoface(ctx, weights);
    const plan = planNetworkKeys(setup.net, setup.bootstrapping);
    // the client's side of a phased hand-over: each phase's evaluation keys when the server asks for them
    const source = { load: (phase: ServerKeyPhase) => generateNetworkKeys(planNetworkKeys(setup.net, setup.bootstrapping, phase), sk) };
    // server: evaluation keys only
    const server = EncryptedFaceServer.create(ctx, weights, source, { budgetBytes: 0.5e9 });
    const net = server.net;
    const encoder = new Encoder(ctx);
    const encryptor = new Encryptor(ctx);
    const decryptor = new Decryptor(ctx, sk);
    const input = net.packInput(toPatches(x, weights.grid)).map((v) => encryptor.encryptPublic(encoder.encode(v, { level: net.inputLevel, scale: net.inputScale }), pk));
    const worst: Record<string, number> = {};
    const out = server.embed(input, {
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
    console.log(`encrypted CFNet4 + bootstrap, CRYPTOFACE_N16: fused max abs error ${e.toExponential(2)}, ${out.level} levels left; relative per block ${JSON.stringify(worst)}; `
      + `bootstrap ${(server.refresher.milliseconds / 1000).toFixed(0)} s; keys ${(plan.bytes.total / 1e9).toFixed(2)} GB`);
    expect(server.refresher.bootstraps).toBe(1);
    expect(out.level).toBeGreaterThanOrEqual(POST_FUSION_LEVELS);
    for (const [name, r] of Object.entries(worst)) expect(r, name).toBeLessThanOrEqual(1e-4);
    expect(e).toBeLessThanOrEqual(1e-4);
  });
});
