/**
 * Encrypted vs plaintext verdicts on held-out real faces (issue 15): `npm run eval:encrypted -- [--probes P]
 * [--gallery G] [--threads T] [--budget-gb B] [--keys-dir D] [--data DIR] [--out FILE] [--reduced]`.
 *
 * 1:N, as a deployment would score many templates at once: G held-out faces (≤ 128 per gallery ciphertext at
 * N = 2^16) are enrolled as templates and packed into one encrypted gallery; each of P other held-out faces is
 * encrypted by the key holder, run through the whole server pipeline (encrypted CryptoFaceNet, bootstrap,
 * normalisation, 1:N match with masked, flooded verdicts) and its G verdicts are decrypted by the key holder. Every
 * (probe, template) pair is compared with the plaintext pipeline's verdict ‖ŷ_p − ŷ_t‖² < τ (float64, the same
 * weights and normalisation polynomial). Pairs = P × G.
 *
 * Templates are enrolled by the key holder from its own plaintext features (`FaceClient.encryptTemplate`): one
 * encrypted network pass per probe is what this measures (a server enrolment is the same pass, checked by bench:e2e
 * and the protocol test); enrolling G templates through the server would cost G more passes (~10 min each here).
 * The unmasked scores are decrypted with this benchmark's copy of the secret key, for the error figures only.
 *
 * Data: the held-out split of the face-data tool (tools/face-data/work/dataset: manifest.json, images.u8 of aligned
 * 112×112 RGB rows; run tools/face-data first). `--reduced`: the protocol test's reduced random network at INSECURE
 * N = 2^11 on synthetic patches (a smoke test of this script, not an evaluation).
 *
 * Ends with one JSON line: pairs, genuinePairs, impostorPairs, agreement, disagreements, maxScoreError,
 * minPlainMargin (the smallest |plaintext score| — a pair closer to τ than the encrypted error could flip),
 * secondsPerProbe, threads, peak_rss_bytes.
 */
import { closeSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { ThreadPool } from '../src/ckks/parallel/index.js';
import { Encoder } from '../src/ckks/scheme/encoder.js';
import { Decryptor } from '../src/ckks/scheme/encryptor.js';
import { loadWeights } from '../src/face/weights.js';
import { embedFace } from '../src/face/model.js';
import { fitNormPolynomial, normalizePoly, squaredDistance, squaredNorm } from '../src/face/normalize.js';
import { FaceSetup, type FaceSetupOptions, type FaceWeights } from '../src/face/protocol/faceSetup.js';
import { FaceClient } from '../src/face/protocol/client.js';
import { FaceServer } from '../src/face/protocol/server.js';
import { deserializeFaceMessage } from '../src/face/protocol/messages.js';
import { insecureTestPreset, testPresetInputs } from '../src/face/testing/insecureTestPreset.js';
import { benchKeyBlobs, benchSecretKey } from './benchKeys.js';
import { exposeGarbageCollector } from '../src/cli/gc.js';

exposeGarbageCollector(); // the face server collects between key phases (src/cli/gc.ts)

const argv = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const positive = (name: string, dflt: number): number => {
  const v = Number(flag(name) ?? dflt);
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`--${name} must be a positive integer`);
  return v;
};
const reduced = argv.includes('--reduced');
const threads = positive('threads', availableParallelism());
const probes = positive('probes', 4);
const gallerySize = positive('gallery', reduced ? 6 : 128);
const budgetGb = Number(flag('budget-gb') ?? 1);
const root = new URL('..', import.meta.url).pathname.replace(/build\/$/, '');
const log = (s: string) => process.stderr.write(`${s}\n`);

/** A face as both sides see it: what the key holder encrypts, and its plaintext normalised feature. */
interface Face { readonly label: string; readonly encrypt: (c: FaceClient) => Uint8Array; readonly plain: Float64Array }

function heldOutFaces(weights: ReturnType<typeof loadWeights>, dir: string): Face[] {
  let manifest: { size: number; items: { index: number; identity: string; split: string; source: string }[] };
  try {
    manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as typeof manifest;
  } catch (e) {
    throw new Error(`eval:encrypted needs the face-data tool's dataset in ${dir} (run tools/face-data first): ${(e as Error).message}`);
  }
  const row = manifest.size * manifest.size * 3;
  if (manifest.size !== 112) throw new RangeError(`${dir}: crops of ${manifest.size} px, the model takes 112`);
  const fd = openSync(join(dir, 'images.u8'), 'r');
  try {
    return manifest.items.filter((it) => it.split === 'heldout').map((it) => {
      const rgb = new Uint8Array(row);
      if (readSync(fd, rgb, 0, row, it.index * row) !== row) throw new RangeError(`${dir}/images.u8: row ${it.index} is truncated`);
      return { label: `${it.identity} (${it.source})`, encrypt: (c: FaceClient) => c.encryptFace(rgb), plain: normalizePoly(embedFace(weights, rgb), weights.normalization) };
    });
  } finally {
    closeSync(fd);
  }
}

/** Probes first (one per identity in turn), then the gallery from the rest, identities interleaved. */
function split(faces: readonly Face[], p: number, g: number): { probes: Face[]; gallery: Face[] } {
  const byIdentity = new Map<string, Face[]>();
  for (const f of faces) {
    const id = f.label.split(' ')[0]!;
    byIdentity.set(id, [...(byIdentity.get(id) ?? []), f]);
  }
  const queues = [...byIdentity.values()];
  const take = (n: number): Face[] => {
    const out: Face[] = [];
    for (let round = 0; out.length < n && queues.some((q) => q.length > 0); round++) {
      for (const q of queues) if (out.length < n && q.length > 0) out.push(q.shift()!);
    }
    return out;
  };
  const probes = take(p);
  const gallery = take(g);
  if (probes.length < p || gallery.length < g) throw new RangeError(`only ${faces.length} held-out faces for ${p} probes and ${g} templates`);
  return { probes, gallery };
}

const pool = await ThreadPool.create({ threads });
try {
  let weights: FaceWeights;
  let options: FaceSetupOptions = {};
  let faces: Face[];
  if (reduced) {
    // the INSECURE test preset's network and inputs (src/face/testing), with p and τ fitted to these inputs
    const preset = insecureTestPreset();
    const embed = preset.embed;
    const inputs = Array.from({ length: probes + gallerySize }, (_, i) => testPresetInputs(1000 + i));
    const ys = inputs.map(embed);
    const n = ys.map(squaredNorm);
    const mid = (Math.min(...n) + Math.max(...n)) / 2;
    const poly = fitNormPolynomial(mid, Math.max(...n), Math.min(...n));
    const plain = ys.map((y) => normalizePoly(y, poly));
    const d = plain.slice(1).map((x) => squaredDistance(plain[0]!, x)).sort((a, b) => a - b);
    const k = Math.max(1, Math.floor(d.length / 2));
    weights = { ...preset.weights, normalization: poly, tau: (d[k - 1]! + d[k]!) / 2 }; // between two distances: about half match, no ties
    options = preset.options;
    faces = inputs.map((x, i) => ({ label: `synthetic-${i} (seed ${1000 + i})`, encrypt: (c: FaceClient) => c.encryptPatches(x), plain: plain[i]! }));
  } else {
    const w = loadWeights(readFileSync(join(root, 'models/cfnet4/weights.json'), 'utf8'), readFileSync(join(root, 'models/cfnet4/weights.bin')));
    weights = w;
    faces = heldOutFaces(w, flag('data') ?? join(root, 'tools/face-data/work/dataset'));
  }
  const chosen = reduced ? { probes: faces.slice(0, probes), gallery: faces.slice(probes, probes + gallerySize) } : split(faces, probes, gallerySize);

  const setup = FaceSetup.create(weights, { ...options, pool });
  const p = setup.context.params;
  log(`N = 2^${p.logN}${p.insecure ? ' (INSECURE)' : ''}, ${pool.threads} thread(s); ${probes} probes × ${gallerySize} templates`);
  const keysDir = flag('keys-dir');
  const sk = benchSecretKey(setup, keysDir);
  const client = FaceClient.create(setup, { secretKey: sk });
  const keys = benchKeyBlobs(client, sk, keysDir, log);
  const server = FaceServer.create(setup, keys.store, { budgetBytes: budgetGb * 1e9 });
  if (gallerySize > server.matcher.galleryCapacity) throw new RangeError(`--gallery ${gallerySize}: one gallery ciphertext holds ${server.matcher.galleryCapacity} templates`);

  const templates = chosen.gallery.map((f) => client.encryptTemplate(f.plain));
  const gallery = server.packGallery(templates);
  const galleryCt = deserializeFaceMessage(setup.context, gallery, 'gallery').ciphertexts[0]!;
  const decrypt = (bytes: Parameters<Decryptor['decrypt']>[0]) => new Encoder(setup.context).decodeReal(new Decryptor(setup.context, sk).decrypt(bytes));
  const dim = setup.featureLayout.dim;

  let pairs = 0, genuine = 0, agree = 0, maxScoreError = 0, minPlainMargin = Infinity, seconds = 0;
  const disagreements: string[] = [];
  for (const [i, probe] of chosen.probes.entries()) {
    const t0 = performance.now();
    const session = server.probe(probe.encrypt(client));
    const matches = client.readIdentification(session.identify(gallery)).matches;
    const dt = (performance.now() - t0) / 1000;
    seconds += dt;
    const scores = decrypt(server.matcher.identifyScore(session.feature, galleryCt));
    chosen.gallery.forEach((t, g) => {
      const plainScore = squaredDistance(probe.plain, t.plain) - weights.tau;
      const plainMatch = plainScore < 0;
      pairs++;
      if (plainMatch) genuine++;
      if (matches[g] === plainMatch) agree++;
      else disagreements.push(`${probe.label} × ${t.label}: encrypted ${String(matches[g])}, plaintext ${String(plainMatch)} (score ${plainScore.toFixed(5)})`);
      maxScoreError = Math.max(maxScoreError, Math.abs(scores[g * dim]! - plainScore));
      minPlainMargin = Math.min(minPlainMargin, Math.abs(plainScore));
    });
    log(`probe ${i + 1}/${chosen.probes.length} ${probe.label}: ${dt.toFixed(1)} s, ${matches.filter(Boolean).length} of ${matches.length} matched, agreement so far ${agree}/${pairs}, max score error ${maxScoreError.toExponential(2)}`);
  }
  for (const d of disagreements) log(`DISAGREEMENT ${d}`);
  const result = {
    logN: p.logN, secure: !p.insecure, threads: pool.threads, load_average: Number(loadavg()[0]!.toFixed(2)),
    probes: chosen.probes.length, templates: chosen.gallery.length, pairs, genuinePairs: genuine, impostorPairs: pairs - genuine,
    agreement: agree / pairs, disagreements: disagreements.length, maxScoreError, minPlainMargin,
    secondsPerProbe: seconds / chosen.probes.length, peak_rss_bytes: process.resourceUsage().maxRSS * 1024,
    identities: [...new Set(chosen.gallery.map((f) => f.label.split(' ')[0]!))].length,
  };
  const out = flag('out');
  if (out !== undefined) writeFileSync(out, `${JSON.stringify(result)}\n`);
  console.log(JSON.stringify(result));
} finally {
  pool.dispose();
}
