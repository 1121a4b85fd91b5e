/**
 * End-to-end benchmark of the encrypted face pipeline (issue 15): `npm run bench:e2e -- [--quick] [--threads T]
 * [--budget-gb G] [--reduced] [--keys memory] [--keys-dir D] [--profile] [--enrol client]`. At the secure set (CRYPTOFACE_N16, N = 2^16, 128-bit) with the trained CFNet4 and the
 * bundled crops: key generation (streamed to a temporary directory as serialised blobs), the server built from those
 * files, one enrolment (Hopper) and one verification (the Hopper probe: probe encryption → network → bootstrap →
 * normalisation → masked, flooded verdict → decryption by the key holder). `--quick`: just that; without it, also the
 * impostor probe. `--reduced`: the protocol test's reduced network at INSECURE N = 2^11 (a smoke test of this script).
 * `--keys-dir D`: generate the key blobs into D (with this benchmark's secret key, bench-secret-key.bin: never do
 * that outside a benchmark) and reuse them on the next run (key generation not timed then). `--profile`: per-layer
 * times, per-phase key reading and memory on stderr. `--enrol client`: the template is encrypted by the key holder from
 * its plaintext feature instead of enrolled through the server (one network pass less; seconds_enrol not measured).
 *
 * Ends with one JSON line: seconds_keygen, seconds_server_setup, seconds_enrol, seconds_verify (both sides, from the
 * probe's encryption to the decrypted verdict), seconds_bootstrap (inside the verification), threads,
 * peak_rss_bytes, eval_key_bytes (all blobs as sent, seeded), probe_bytes, template_bytes, verdict_bytes,
 * score_abs_error (the unmasked score ‖ŷ_p − ŷ_t‖² − τ, decrypted with the bench's copy of the secret key, against
 * the plaintext pipeline on the same crops) and verdict_agrees.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { ThreadPool } from '../src/ckks/parallel/index.js';
import { Encoder } from '../src/ckks/scheme/encoder.js';
import { Decryptor } from '../src/ckks/scheme/encryptor.js';
import { loadWeights } from '../src/face/weights.js';
import { embedFace } from '../src/face/model.js';
import { normalizePoly, squaredDistance, squaredNorm } from '../src/face/normalize.js';
import { decodeFaceCrop } from '../src/face/io/faceCrop.js';
import { FaceSetup, type FaceSetupOptions, type FaceWeights } from '../src/face/protocol/faceSetup.js';
import { FaceClient } from '../src/face/protocol/client.js';
import { FaceServer } from '../src/face/protocol/server.js';
import { ServerKeys, type EvaluationKeyBlob } from '../src/face/protocol/evaluationKeys.js';
import { deserializeFaceMessage } from '../src/face/protocol/messages.js';
import type { Tensor3 } from '../src/nn/tensor.js';
import { insecureTestPreset } from '../src/face/testing/insecureTestPreset.js';
import { benchKeyBlobs, benchSecretKey } from './benchKeys.js';
import { exposeGarbageCollector } from '../src/cli/gc.js';

exposeGarbageCollector(); // the face server collects between key phases (src/cli/gc.ts)

const argv = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const quick = argv.includes('--quick');
const reduced = argv.includes('--reduced');
const threads = Number(flag('threads') ?? availableParallelism());
const budgetGb = Number(flag('budget-gb') ?? 2);
const root = new URL('..', import.meta.url).pathname.replace(/build\/$/, '');
const log = (s: string) => process.stderr.write(`${s}\n`);
const now = () => performance.now();

/** Inputs: the encrypted side's (bytes for the client) and the plaintext pipeline's normalised feature. */
interface Face { readonly encrypt: (c: FaceClient) => Uint8Array; readonly plain: Float64Array }

const pool = await ThreadPool.create({ threads });
try {
  let weights: FaceWeights;
  let options: FaceSetupOptions;
  let faces: { enrol: Face; genuine: Face; impostor: Face };
  if (reduced) {
    // the INSECURE test preset (src/face/testing): reduced network, N = 2^11, its three synthetic faces
    const preset = insecureTestPreset();
    weights = preset.weights;
    options = preset.options;
    const mk = (p: readonly Tensor3[]): Face => {
      const y = preset.embed(p);
      return { encrypt: (c) => c.encryptPatches(p), plain: normalizePoly(y, preset.weights.normalization), y } as Face;
    };
    faces = { enrol: mk(preset.faces.alice), genuine: mk(preset.faces.aliceProbe), impostor: mk(preset.faces.bob) };
  } else {
    const w = loadWeights(readFileSync(join(root, 'models/cfnet4/weights.json'), 'utf8'), readFileSync(join(root, 'models/cfnet4/weights.bin')));
    weights = w;
    options = {};
    const mk = async (file: string): Promise<Face> => {
      const path = join(root, 'assets/faces', file);
      const rgb = (await decodeFaceCrop(readFileSync(path), path)).rgb;
      return { encrypt: (c) => c.encryptFace(rgb), plain: normalizePoly(embedFace(w, rgb), w.normalization) };
    };
    faces = { enrol: await mk('hopper.png'), genuine: await mk('hopper-probe.png'), impostor: await mk('collins-probe.png') };
  }

  let t = now();
  const setup = FaceSetup.create(weights, { ...options, pool });
  const p = setup.context.params;
  log(`N = 2^${p.logN}${p.insecure ? ' (INSECURE)' : ''}, log2 QP = ${p.logQP.toFixed(1)}, ${pool.threads} thread(s); compile ${((now() - t) / 1000).toFixed(1)} s`);
  const keysDir = flag('keys-dir');
  const sk = benchSecretKey(setup, keysDir);
  const client = FaceClient.create(setup, { secretKey: sk });
  const plan = client.keyPlan();

  const keys = benchKeyBlobs(client, sk, keysDir, log);
  const evalKeyBytes = keys.bytes;
  const secondsKeygen = keys.seconds;

  t = now();
  function* files(): Generator<EvaluationKeyBlob> {
    for (const name of keys.store.names()) yield { name, bytes: keys.store.read(name) };
  }
  let refreshMs = 0;
  // default: keys stay in the directory and each phase reads its own (memory); --keys memory: all keys held
  const inMemory = flag('keys') === 'memory';
  const store = keys.store;
  const profile = argv.includes('--profile');
  let keyMs = 0;
  const server = FaceServer.create(setup, inMemory ? ServerKeys.fromBlobs(setup.context, plan, files()) : store, {
    budgetBytes: budgetGb * 1e9,
    onLayer: (name, ms) => {
      if (name === 'refresh') refreshMs += ms;
      if (profile) log(`  layer ${name} ${(ms / 1000).toFixed(1)} s, rss ${(process.memoryUsage.rss() / 1e9).toFixed(1)} GB`);
    },
    onKeys: (phase, count, bytes, ms) => {
      keyMs += ms;
      if (profile) log(`  keys ${phase}: ${count} keys, ${(bytes / 1e9).toFixed(2)} GB, ${(ms / 1000).toFixed(1)} s, rss ${(process.memoryUsage.rss() / 1e9).toFixed(1)} GB`);
    },
    onPhase: (phase, ms) => { if (profile) log(`  phase ${phase} ${(ms / 1000).toFixed(1)} s`); },
  });
  const secondsServer = (now() - t) / 1000;
  log(`keys ${secondsKeygen.toFixed(1)} s (${(evalKeyBytes / 1e9).toFixed(2)} GB), server set-up ${secondsServer.toFixed(1)} s`);

  t = now();
  // --enrol client: the key holder encrypts the template from its plaintext feature (FaceClient.encryptTemplate),
  // saving one network pass when only the verification is to be timed (seconds_enrol is then not measured)
  const clientEnrol = flag('enrol') === 'client';
  const template = clientEnrol ? client.encryptTemplate(faces.enrol.plain) : server.enrol(faces.enrol.encrypt(client));
  const secondsEnrol = clientEnrol ? Number.NaN : (now() - t) / 1000;
  log(clientEnrol ? 'template encrypted by the key holder (--enrol client)' : `enrol ${secondsEnrol.toFixed(1)} s`);

  const verifyOnce = (face: Face) => {
    refreshMs = 0;
    keyMs = 0;
    const encodeBefore = { n: server.network.store.onTheFly, ms: server.network.store.onTheFlyMs };
    const t0 = now();
    const probe = face.encrypt(client);
    const session = server.probe(probe);
    const verdict = session.verify(template);
    const match = client.readVerdict(verdict).match;
    const seconds = (now() - t0) / 1000;
    // diagnostics: the unmasked score, decrypted with the bench's copy of the secret key
    const tpl = deserializeFaceMessage(setup.context, template, 'template').ciphertexts[0]!;
    const score = new Encoder(setup.context).decodeReal(new Decryptor(setup.context, sk).decrypt(server.matcher.verifyScore(session.feature, tpl)))[0]!;
    const plainScore = squaredDistance(face.plain, faces.enrol.plain) - weights.tau;
    if (process.env['E2E_DEBUG']) {
      const dec = new Encoder(setup.context).decodeReal(new Decryptor(setup.context, sk).decrypt(session.feature));
      const dt = new Encoder(setup.context).decodeReal(new Decryptor(setup.context, sk).decrypt(tpl));
      let e = 0, et = 0, m = 0;
      for (let j = 0; j < face.plain.length; j++) { e = Math.max(e, Math.abs(dec[j]! - face.plain[j]!)); et = Math.max(et, Math.abs(dt[j]! - faces.enrol.plain[j]!)); m = Math.max(m, Math.abs(face.plain[j]!)); }
      const pm = deserializeFaceMessage(setup.context, probe, 'probe');
      const yc = server.network.embed(pm.ciphertexts);
      const yd = new Encoder(setup.context).decodeReal(new Decryptor(setup.context, sk).decrypt(yc));
      const yp = (face as Face & { y?: Float64Array }).y;
      if (yp !== undefined) {
        let ey = 0, my = 0;
        for (let j = 0; j < yp.length; j++) { ey = Math.max(ey, Math.abs(yd[j]! - yp[j]!)); my = Math.max(my, Math.abs(yp[j]!)); }
        log(`DEBUG y err ${ey.toExponential(2)} max|y| ${my.toFixed(3)} ‖y‖² ${squaredNorm(yp).toFixed(3)}`);
      }
      log(`DEBUG feature err ${e.toExponential(2)} template err ${et.toExponential(2)} max|ŷ| ${m.toFixed(3)} ‖ŷ‖² ${squaredNorm(face.plain).toFixed(3)} score dec ${score} plain ${plainScore}`);
    }
    const encoded = { n: server.network.store.onTheFly - encodeBefore.n, s: (server.network.store.onTheFlyMs - encodeBefore.ms) / 1000 };
    log(`  inside the verification: reading keys ${(keyMs / 1000).toFixed(1)} s (bootstrap's included), on-the-fly encodings ${encoded.n} in ${encoded.s.toFixed(1)} s`);
    return { seconds, bootstrap: refreshMs / 1000, keySeconds: keyMs / 1000, encodeSeconds: encoded.s, match, plainMatch: plainScore < 0, scoreError: Math.abs(score - plainScore), probeBytes: probe.length, verdictBytes: verdict.length, plainScore };
  };
  const genuine = verifyOnce(faces.genuine);
  log(`verify (genuine) ${genuine.seconds.toFixed(1)} s, bootstrap ${genuine.bootstrap.toFixed(1)} s, encrypted ${genuine.match}, plaintext ${genuine.plainMatch} (score ${genuine.plainScore.toFixed(4)}, error ${genuine.scoreError.toExponential(2)})`);
  const runs = [genuine];
  if (!quick) {
    const impostor = verifyOnce(faces.impostor);
    log(`verify (impostor) ${impostor.seconds.toFixed(1)} s, encrypted ${impostor.match}, plaintext ${impostor.plainMatch} (score ${impostor.plainScore.toFixed(4)}, error ${impostor.scoreError.toExponential(2)})`);
    runs.push(impostor);
  }
  console.log(JSON.stringify({
    logN: p.logN, secure: !p.insecure, threads: pool.threads, keys: inMemory ? 'memory' : 'phased', load_average: Number(loadavg()[0]!.toFixed(2)),
    seconds_keygen: secondsKeygen, seconds_server_setup: secondsServer, seconds_enrol: secondsEnrol,
    seconds_verify: genuine.seconds, seconds_bootstrap: genuine.bootstrap,
    seconds_verify_key_reading: genuine.keySeconds, seconds_verify_encoding: genuine.encodeSeconds, budget_gb: budgetGb,
    peak_rss_bytes: process.resourceUsage().maxRSS * 1024, eval_key_bytes: evalKeyBytes,
    probe_bytes: genuine.probeBytes, template_bytes: template.length, verdict_bytes: genuine.verdictBytes,
    score_abs_error: Math.max(...runs.map((r) => r.scoreError)), verdict_agrees: runs.every((r) => r.match === r.plainMatch),
    verifications: runs.length,
  }));
} finally {
  pool.dispose();
}
