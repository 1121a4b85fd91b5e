/**
 * `npm run demo:face`: end-to-end encrypted face verification with the
 * trained CryptoFaceNet4 (models/cfnet4) at the secure parameter set (N = 2^16, 128-bit, CRYPTOFACE_N16): two
 * identities are enrolled and two probes verified (one genuine, one impostor) from the public-domain crops in
 * assets/faces (assets/faces/SOURCES.md says where each comes from).
 *
 * Both roles run in this process, but only bytes cross between them: the key holder (FaceClient) generates the
 * evaluation keys one at a time into a temporary directory (as they would be uploaded), encrypts each face, and
 * decrypts only verdicts; the server (FaceServer) is built from those key files alone and computes the network, its
 * bootstrap, the normalisation and the masked, noise-flooded match. The plaintext pipeline's verdicts are printed
 * next to the encrypted ones; the process exits non-zero if they disagree.
 *
 *   npm run demo:face -- [--threads T] [--budget-gb G] [--keys-dir DIR]
 * Needs ≈ 12 GB of memory and, on 2 cores, tens of minutes (timings per phase are printed).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ThreadPool } from '../src/ckks/parallel/index.js';
import { loadWeights } from '../src/face/weights.js';
import { embedFace } from '../src/face/model.js';
import { normalizePoly, squaredDistance, verdict } from '../src/face/normalize.js';
import { decodeFaceCrop } from '../src/face/io/faceCrop.js';
import { FaceSetup } from '../src/face/protocol/faceSetup.js';
import { FaceClient } from '../src/face/protocol/client.js';
import { FaceServer } from '../src/face/protocol/server.js';
import { directoryKeyStore } from '../src/cli/keyDirectory.js';
import { Progress } from './progress.js';
import { exposeGarbageCollector } from '../src/cli/gc.js';

exposeGarbageCollector(); // the face server collects between key phases (src/cli/gc.ts)

const argv = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const threads = Number(flag('threads') ?? availableParallelism());
const budgetGb = Number(flag('budget-gb') ?? 2);
const root = new URL('..', import.meta.url).pathname.replace(/build\/$/, '');
const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
const gb = (b: number) => `${(b / 1e9).toFixed(2)} GB`;
const timings: Array<[string, number]> = [];
const sizes: Array<[string, number]> = [];

const pool = await ThreadPool.create({ threads });
try {
  // ---- the model and the bundled faces
  const weights = loadWeights(readFileSync(join(root, 'models/cfnet4/weights.json'), 'utf8'), readFileSync(join(root, 'models/cfnet4/weights.bin')));
  const faceFiles = { hopper: 'hopper.png', collins: 'collins.png', hopperProbe: 'hopper-probe.png', collinsProbe: 'collins-probe.png' } as const;
  const faces: Record<keyof typeof faceFiles, Uint8Array> = {} as Record<keyof typeof faceFiles, Uint8Array>;
  for (const [k, f] of Object.entries(faceFiles) as Array<[keyof typeof faceFiles, string]>) {
    const path = join(root, 'assets/faces', f);
    faces[k] = (await decodeFaceCrop(readFileSync(path), path)).rgb;
  }

  // ---- shared set-up (both sides derive it from the same weights)
  let t0 = performance.now();
  const setup = FaceSetup.create(weights, { pool });
  const p = setup.context.params;
  console.log(`parameters: N = 2^${p.logN}, log2 QP = ${p.logQP.toFixed(0)} ≤ ${p.securityBound} (128-bit), ${p.Q.length} + ${p.P.length} primes, ${p.maxSlots} slots, ${pool.threads} thread${pool.threads > 1 ? 's' : ''}; model ${setup.model.slice(0, 16)}…, τ = ${weights.tau}`);
  timings.push(['set-up (compile network)', (performance.now() - t0) / 1000]);

  // ---- key holder: keys, streamed to files one at a time
  const client = FaceClient.create(setup);
  const plan = client.keyPlan();
  console.log(`key holder: ${plan.galoisKeys.length + 2 + (plan.ephemeralHammingWeight > 0 ? 1 : 0)} evaluation keys, ${gb(plan.bytes)} in memory, ${gb(plan.bytesSeeded)} on the wire`);
  const keysDir = flag('keys-dir') ?? mkdtempSync(join(tmpdir(), 'cryptoface-keys-'));
  const bar = new Progress('key generation', plan.galoisKeys.length + 3);
  let keyBytes = 0;
  for (const blob of client.evaluationKeys({ onKey: (done, _total, name) => bar.update(done, name) })) {
    writeFileSync(join(keysDir, blob.name), blob.bytes);
    keyBytes += blob.bytes.length;
  }
  timings.push(['key generation (client)', bar.done()]);
  sizes.push(['evaluation keys (all, seeded)', keyBytes]);

  // ---- server: from the key files alone
  t0 = performance.now();
  const layers = new Progress('server: network', 26);
  let layerCount = 0;
  // the server reads each phase's keys from the directory when it needs them (memory: never all ≈ 14 GB at once)
  const server = FaceServer.create(setup, directoryKeyStore(keysDir), {
    budgetBytes: budgetGb * 1e9,
    onLayer: (name) => layers.update(++layerCount % 26, name),
  });
  if (flag('keys-dir') === undefined) process.on('exit', () => rmSync(keysDir, { recursive: true, force: true }));
  timings.push(['server set-up (load keys, encode weights and DFT matrices)', (performance.now() - t0) / 1000]);

  const run = <T>(label: string, f: () => T): T => {
    const s = performance.now();
    layerCount = 0;
    const r = f();
    process.stderr.write(process.stderr.isTTY ? '\n' : '');
    const sec = (performance.now() - s) / 1000;
    timings.push([label, sec]);
    console.log(`${label}: ${sec.toFixed(1)} s`);
    return r;
  };
  const probeA = client.encryptFace(faces.hopper);
  sizes.push(['encrypted probe', probeA.length]);
  const templateA = run('enrol Hopper (network + bootstrap + normalise)', () => server.enrol(probeA));
  const templateB = run('enrol Collins', () => server.enrol(client.encryptFace(faces.collins)));
  sizes.push(['encrypted template', templateA.length]);
  const genuine = run('verify Hopper probe vs Hopper (genuine)', () => server.verify(client.encryptFace(faces.hopperProbe), templateA));
  const impostor = run('verify Collins probe vs Hopper (impostor)', () => server.verify(client.encryptFace(faces.collinsProbe), templateA));
  sizes.push(['verdict', genuine.length]);
  void templateB;

  // ---- key holder: verdicts; plaintext pipeline for comparison
  const enc = [client.readVerdict(genuine).match, client.readVerdict(impostor).match];
  const yn = (rgb: Uint8Array) => normalizePoly(embedFace(weights, rgb), weights.normalization);
  const plainD = [squaredDistance(yn(faces.hopperProbe), yn(faces.hopper)), squaredDistance(yn(faces.collinsProbe), yn(faces.hopper))];
  const plain = plainD.map((d) => verdict(d, weights.tau).match);
  console.log('\n| pair | encrypted verdict | plaintext verdict | plaintext distance (τ) |\n|---|---|---|---|');
  ['Hopper probe vs Hopper (genuine)', 'Collins probe vs Hopper (impostor)'].forEach((name, i) => {
    console.log(`| ${name} | ${enc[i] ? 'match' : 'no match'} | ${plain[i] ? 'match' : 'no match'} | ${plainD[i]!.toFixed(3)} (${weights.tau}) |`);
  });
  console.log('\n| phase | seconds |\n|---|---:|');
  for (const [k, v] of timings) console.log(`| ${k} | ${v.toFixed(1)} |`);
  console.log('\n| message | size |\n|---|---:|');
  for (const [k, v] of sizes) console.log(`| ${k} | ${mib(v)} |`);
  console.log(`\npeak memory (RSS): ${gb(process.resourceUsage().maxRSS * 1024)}`);
  if (enc[0] !== plain[0] || enc[1] !== plain[1]) {
    console.error('the encrypted verdicts differ from the plaintext ones');
    process.exitCode = 1;
  } else console.log('OK: the encrypted verdicts equal the plaintext verdicts');
} finally {
  pool.dispose();
}
