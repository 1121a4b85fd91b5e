/**
 * `npm run demo`, the project's main job: end-to-end encrypted face verification with the
 * trained CryptoFaceNet4 (models/cfnet4) at the secure parameter set (N = 2^16, 128-bit, CRYPTOFACE_N16): two
 * identities are enrolled (Hopper, Collins) and a second photo of each is matched, 1:1 against Hopper's template (one
 * genuine, one impostor pair) and 1:N against a gallery of both templates, from the public-domain crops in
 * assets/faces (assets/faces/SOURCES.md says where each comes from). Four network passes: two enrolments, one per
 * probe (a probe's pass answers both its 1:1 and its 1:N match).
 *
 * Both roles run in this process, but only bytes cross between them: the key holder (FaceClient) generates the
 * evaluation keys one at a time into a temporary directory (as they would be uploaded), encrypts each face, and
 * decrypts only verdicts; the server (FaceServer) is built from those key files alone and computes the network, its
 * bootstrap, the normalisation and the masked, noise-flooded match. The plaintext pipeline's verdicts are printed
 * next to the encrypted ones; the process exits non-zero if they disagree.
 *
 *   npm run demo -- [--threads T] [--budget-gb G] [--keys-dir DIR]
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
const budgetGb = Number(flag('budget-gb') ?? 1);
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
  let layers = new Progress('server: network', 26); // a new bar (and clock) per pass, in `run`
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
    layers = new Progress('server: network', 26);
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
  const gallery = server.packGallery([templateA, templateB]);
  sizes.push(['encrypted gallery (2 templates)', gallery.length]);
  // one network pass per probe; its session answers a 1:1 verification and a 1:N identification
  const answers = (label: string, rgb: Uint8Array) => run(label, () => {
    const session = server.probe(client.encryptFace(rgb));
    return { verify: session.verify(templateA), identify: session.identify(gallery) };
  });
  const hopperProbe = answers('probe: Hopper (second photo) vs Hopper 1:1 and the gallery 1:N', faces.hopperProbe);
  const collinsProbe = answers('probe: Collins (second photo) vs Hopper 1:1 and the gallery 1:N', faces.collinsProbe);
  sizes.push(['verdict (1:1)', hopperProbe.verify.length]);
  sizes.push(['verdict (1:N, 2 templates)', hopperProbe.identify.length]);

  // ---- key holder: verdicts; plaintext pipeline for comparison
  const yn = (rgb: Uint8Array) => normalizePoly(embedFace(weights, rgb), weights.normalization);
  const features = { hopper: yn(faces.hopper), collins: yn(faces.collins), hopperProbe: yn(faces.hopperProbe), collinsProbe: yn(faces.collinsProbe) };
  const hopperIds = client.readIdentification(hopperProbe.identify).matches;
  const collinsIds = client.readIdentification(collinsProbe.identify).matches;
  const pairs: Array<[string, boolean, Float64Array, Float64Array]> = [
    ['1:1 Hopper probe vs Hopper (genuine)', client.readVerdict(hopperProbe.verify).match, features.hopperProbe, features.hopper],
    ['1:1 Collins probe vs Hopper (impostor)', client.readVerdict(collinsProbe.verify).match, features.collinsProbe, features.hopper],
    ['1:N Hopper probe vs Hopper (genuine)', hopperIds[0]!, features.hopperProbe, features.hopper],
    ['1:N Hopper probe vs Collins (impostor)', hopperIds[1]!, features.hopperProbe, features.collins],
    ['1:N Collins probe vs Hopper (impostor)', collinsIds[0]!, features.collinsProbe, features.hopper],
    ['1:N Collins probe vs Collins (genuine)', collinsIds[1]!, features.collinsProbe, features.collins],
  ];
  let disagreements = 0;
  console.log('\n| pair | encrypted verdict | plaintext verdict | plaintext distance (τ) |\n|---|---|---|---|');
  for (const [name, encrypted, probe, template] of pairs) {
    const d = squaredDistance(probe, template);
    const plain = verdict(d, weights.tau).match;
    if (plain !== encrypted) disagreements++;
    console.log(`| ${name} | ${encrypted ? 'match' : 'no match'} | ${plain ? 'match' : 'no match'} | ${d.toFixed(3)} (${weights.tau}) |`);
  }
  console.log('\n| phase | seconds |\n|---|---:|');
  for (const [k, v] of timings) console.log(`| ${k} | ${v.toFixed(1)} |`);
  console.log('\n| message | size |\n|---|---:|');
  for (const [k, v] of sizes) console.log(`| ${k} | ${mib(v)} |`);
  console.log(`\npeak memory (RSS): ${gb(process.resourceUsage().maxRSS * 1024)}`);
  if (disagreements > 0) {
    console.error(`${disagreements} encrypted verdict(s) differ from the plaintext ones`);
    process.exitCode = 1;
  } else console.log('OK: the encrypted verdicts equal the plaintext verdicts');
} finally {
  pool.dispose();
}
