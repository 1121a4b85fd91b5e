// The HTTP face service (src/server, docs/server.md) over real HTTP on loopback, started as a child process on port 0
// with the INSECURE test preset (the protocol test's reduced network at N = 2^11, src/face/testing). This process is
// the key holder: FaceClient generates the keys, encrypts the probes and reads the verdicts, which must equal the
// plaintext pipeline's (insecureTestPreset().distance against τ, margins ≥ 0.05 as in test/face/protocol.test.ts).
// Three network runs in all (enrol, verify, identify) and one enrolment killed with SIGKILL once its network runs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { crc32 } from '../../src/ckks/serialization/crc32.js';
import { mkdtempSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { insecureTestPreset } from '../../src/face/testing/insecureTestPreset.js';
import { FaceSetup } from '../../src/face/protocol/faceSetup.js';
import { FaceClient } from '../../src/face/protocol/client.js';
import { evaluationKeyNames, type EvaluationKeyBlob } from '../../src/face/protocol/evaluationKeys.js';
import { deserializeFaceMessage, serializeFaceMessage } from '../../src/face/protocol/messages.js';
import { CkksContext } from '../../src/ckks/scheme/context.js';
import { KeyGenerator } from '../../src/ckks/scheme/keyGenerator.js';
import { Evaluator } from '../../src/ckks/scheme/evaluator.js';
import { deserializeGaloisKey, serializeGaloisKey, serializePublicKey } from '../../src/ckks/serialization/format.js';
import { startServer, type ServerProcess } from './serverProcess.js';

const preset = insecureTestPreset();
const tau = preset.weights.tau;
const data = mkdtempSync(join(tmpdir(), 'cryptoface-serve-'));
let setup: FaceSetup, client: FaceClient, blobs: EvaluationKeyBlob[];
let server: ServerProcess;
let probes: { alice: Uint8Array; aliceProbe: Uint8Array; bob: Uint8Array };
let clientId: string;
let clientBytes: number;

interface Reply { status: number; headers: Headers; json: { [k: string]: unknown }; bytes: Uint8Array }

async function api(method: string, path: string, body?: Uint8Array, headers: Record<string, string> = {}): Promise<Reply> {
  const r = await fetch(`${server.base}${path}`, { method, headers, ...(body === undefined ? {} : { body: body.slice() }) });
  const bytes = new Uint8Array(await r.arrayBuffer());
  const type = r.headers.get('content-type') ?? '';
  return { status: r.status, headers: r.headers, json: type.startsWith('application/json') ? JSON.parse(new TextDecoder().decode(bytes)) as { [k: string]: unknown } : {}, bytes };
}

const crcHex = (b: Uint8Array) => crc32(b).toString(16).padStart(8, '0');
const putKey = (id: string, name: string, bytes: Uint8Array, crc = crcHex(bytes)) =>
  api('PUT', `/api/clients/${id}/keys/${name}`, bytes, { 'content-type': 'application/octet-stream', 'x-crc32': crc });
const errorCode = (r: Reply) => (r.json['error'] as { code?: string } | undefined)?.code;

/** A request whose body goes out in 64 KiB chunks with no Content-Length (chunked transfer encoding). */
function sendChunked(method: string, path: string, body: Uint8Array, headers: Record<string, string> = {}): Promise<{ status: number; code: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(`${server.base}${path}`, { method, headers }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => { text += d.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, code: (JSON.parse(text) as { error?: { code?: string } }).error?.code }));
    });
    req.on('error', reject);
    for (let i = 0; i < body.length; i += 1 << 16) req.write(body.subarray(i, i + (1 << 16)));
    req.end();
  });
}

async function waitJob(jobId: string, timeoutMs = 60_000): Promise<{ [k: string]: unknown }> {
  const t0 = Date.now();
  for (;;) {
    const r = await api('GET', `/api/jobs/${jobId}`);
    expect(r.status).toBe(200);
    if (r.json['state'] === 'done' || r.json['state'] === 'failed') return r.json;
    if (Date.now() - t0 > timeoutMs) throw new Error(`job ${jobId} not finished after ${timeoutMs} ms: ${JSON.stringify(r.json)}`);
    await new Promise((w) => setTimeout(w, 150));
  }
}

/** Files whose names start with '.' (temporary files of interrupted writes) anywhere under `dir`. */
function hiddenFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((p) => p.split(/[\\/]/).some((s) => s.startsWith('.')));
}

// the static files are served from a root of our own (web/, dist/, models/), made before the server starts
const root = mkdtempSync(join(tmpdir(), 'cryptoface-root-'));
const args = ['--data', data, '--preset', 'test', '--threads', '2', '--queue', '1', '--root', root];

beforeAll(async () => {
  mkdirSync(join(root, 'web'));
  mkdirSync(join(root, 'dist', 'face'), { recursive: true });
  mkdirSync(join(root, 'models', 'm'), { recursive: true });
  writeFileSync(join(root, 'web', 'index.html'), '<!doctype html><title>t</title>');
  writeFileSync(join(root, 'web', 'app.js'), 'export {};');
  writeFileSync(join(root, 'dist', 'face', 'index.js'), 'export const x = 1;');
  writeFileSync(join(root, 'models', 'm', 'weights.bin'), new Uint8Array([1, 2, 3]));
  writeFileSync(join(root, 'secret.txt'), 'no');
  const t0 = performance.now();
  setup = FaceSetup.create(preset.weights, preset.options);
  client = FaceClient.create(setup);
  blobs = [...client.evaluationKeys()];
  probes = { alice: client.encryptPatches(preset.faces.alice), aliceProbe: client.encryptPatches(preset.faces.aliceProbe), bob: client.encryptPatches(preset.faces.bob) };
  clientBytes = blobs.reduce((s, b) => s + b.bytes.length, 0);
  console.log(`server test set-up: ${blobs.length} key blobs, ${(clientBytes / 1e6).toFixed(1)} MB, ${(performance.now() - t0).toFixed(0)} ms`);
  // the per-client limit: every key once, plus 100 bytes (an unseeded copy of a key must not fit)
  server = await startServer([...args, '--max-client-bytes', String(clientBytes + 100)]);
}, 120_000);

afterAll(async () => {
  await server?.stop();
  rmSync(data, { recursive: true, force: true });
  rmSync(root, { recursive: true, force: true });
});

describe('HTTP face service (INSECURE test preset: reduced network, N = 2^11), real HTTP on loopback', () => {
  it('GET /api/setup: the model, parameter set and key names the key holder derives from the same preset', async () => {
    const r = await api('GET', '/api/setup');
    expect(r.status).toBe(200);
    expect(r.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(r.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    expect(r.json['model']).toBe(setup.model);
    expect(r.json['preset']).toBe('test');
    expect(r.json['keyNames']).toEqual(evaluationKeyNames(setup.keyPlan()));
    expect((r.json['setup'] as { insecure: boolean }).insecure).toBe(true);
    expect((await api('POST', '/api/setup')).status).toBe(405);
    expect(errorCode(await api('GET', '/api/nothing'))).toBe('NOT_FOUND');
  });

  it('keys: bad uploads are refused (400 checksum / corrupt / name, 409 parameter set, 413 sizes, 404 client), a burst of uploads all stored', async () => {
    const created = await api('POST', '/api/clients');
    expect(created.status).toBe(201);
    clientId = created.json['clientId'] as string;
    expect(clientId).toMatch(/^[0-9a-f]{32}$/);
    const pub = blobs[0]!, g = blobs[2]!, g2 = blobs[3]!;
    expect(errorCode(await putKey('0'.repeat(32), pub.name, pub.bytes))).toBe('NOT_FOUND');
    expect((await putKey('nonsense', pub.name, pub.bytes)).status).toBe(404);
    expect(errorCode(await api('PUT', `/api/clients/${clientId}/keys/public`, pub.bytes))).toBe('BAD_REQUEST'); // no x-crc32
    const wrongCrc = await putKey(clientId, pub.name, pub.bytes, crcHex(pub.bytes.subarray(1)));
    expect([wrongCrc.status, errorCode(wrongCrc)]).toEqual([400, 'CORRUPT_INPUT']);
    const flipped = pub.bytes.slice();
    flipped[100] = flipped[100]! ^ 1; // the transport checksum matches, the blob's own CRC does not
    expect([(await putKey(clientId, pub.name, flipped)).status, errorCode(await putKey(clientId, pub.name, flipped))]).toEqual([400, 'CORRUPT_INPUT']);
    expect((await putKey(clientId, pub.name, pub.bytes.subarray(0, 1000))).status).toBe(400); // truncated
    expect(errorCode(await putKey(clientId, g2.name, g.bytes))).toBe('CORRUPT_INPUT'); // another element's key
    expect(errorCode(await putKey(clientId, 'relinearization', g.bytes))).toBe('CORRUPT_INPUT'); // another object type
    expect(errorCode(await putKey(clientId, 'galois-3', g.bytes))).toBe('BAD_REQUEST'); // not in the plan
    const other = new CkksContext({ logN: 10, logQ: [40, 30], logP: [45], logDefaultScale: 30, insecure: true });
    const foreign = await putKey(clientId, 'public', serializePublicKey(new KeyGenerator(other).publicKey(new KeyGenerator(other).secretKey())));
    expect([foreign.status, errorCode(foreign)]).toEqual([409, 'INCOMPATIBLE_PARAMETERS']);
    const setupReply = await api('GET', '/api/setup');
    const keyLimit = (setupReply.json['limits'] as { keyBytes: number }).keyBytes;
    const big = await putKey(clientId, g.name, new Uint8Array(keyLimit + 1));
    expect([big.status, errorCode(big)]).toEqual([413, 'TOO_LARGE']);
    // without a declared length (chunked), the limit is found while the body streams: still a 413 answer
    const chunked = await sendChunked('PUT', `/api/clients/${clientId}/keys/${g.name}`, new Uint8Array(keyLimit + (1 << 20)), { 'x-crc32': '00000000' });
    expect([chunked.status, chunked.code]).toEqual([413, 'TOO_LARGE']);
    // nothing refused was stored
    expect((await api('GET', `/api/clients/${clientId}`)).json['keys']).toMatchObject({ present: [] });
    // a burst: every key at once, with reads in between
    const t0 = performance.now();
    const replies = await Promise.all([
      ...blobs.map((b) => putKey(clientId, b.name, b.bytes)),
      ...Array.from({ length: 10 }, () => api('GET', `/api/clients/${clientId}`)),
      ...Array.from({ length: 5 }, () => api('GET', '/api/setup')),
    ]);
    console.log(`server test: ${blobs.length} keys uploaded concurrently in ${(performance.now() - t0).toFixed(0)} ms`);
    replies.slice(0, blobs.length).forEach((r, i) => expect([r.status, r.json['name'], r.json['bytes']]).toEqual([201, blobs[i]!.name, blobs[i]!.bytes.length]));
    replies.slice(blobs.length).forEach((r) => expect(r.status).toBe(200));
    const state = await api('GET', `/api/clients/${clientId}`);
    expect(state.json).toMatchObject({ keys: { present: evaluationKeyNames(setup.keyPlan()), missing: [], bytes: clientBytes }, templates: [] });
    // concurrent creations get distinct clients; concurrent deletions remove them
    const made = (await Promise.all(Array.from({ length: 6 }, () => api('POST', '/api/clients')))).map((r) => r.json['clientId'] as string);
    expect(new Set(made).size).toBe(6);
    expect((await Promise.all(made.map((id) => api('DELETE', `/api/clients/${id}`)))).map((r) => r.status)).toEqual(Array(6).fill(204));
    expect(readdirSync(join(data, 'clients'))).toEqual([clientId]);
    // the per-client limit (every key once + 100 bytes here): an unseeded copy of a key (about twice the bytes) does not fit
    const unseeded = serializeGaloisKey(deserializeGaloisKey(setup.context, g.bytes), { seeded: false });
    expect(unseeded.length).toBeLessThan(keyLimit);
    const full = await putKey(clientId, g.name, unseeded);
    expect([full.status, errorCode(full)]).toEqual([413, 'TOO_LARGE']);
    expect((await putKey(clientId, g.name, g.bytes)).status).toBe(201); // replacing a key with one of the same size fits
  });

  it('probes: 400 corrupt, 409 other model or missing keys, 413 too large, 404 unknown client / template / job', async () => {
    const corrupt = probes.alice.slice();
    corrupt[corrupt.length >> 1] = corrupt[corrupt.length >> 1]! ^ 0x10;
    const c = await api('POST', `/api/clients/${clientId}/templates`, corrupt);
    expect([c.status, errorCode(c)]).toEqual([400, 'CORRUPT_INPUT']);
    const m = deserializeFaceMessage(setup.context, probes.alice, 'probe');
    const foreign = await api('POST', `/api/clients/${clientId}/templates`, serializeFaceMessage({ ...m, model: 'cd'.repeat(32) }));
    expect([foreign.status, errorCode(foreign)]).toEqual([409, 'INCOMPATIBLE_PARAMETERS']);
    const template = deserializeFaceMessage(setup.context, probes.alice, 'probe');
    const kind = await api('POST', `/api/clients/${clientId}/templates`, serializeFaceMessage({ ...template, kind: 'template' }));
    expect([kind.status, errorCode(kind)]).toEqual([400, 'CORRUPT_INPUT']);
    const limit = ((await api('GET', '/api/setup')).json['limits'] as { probeBytes: number }).probeBytes;
    const big = await api('POST', `/api/clients/${clientId}/templates`, new Uint8Array(limit + 1));
    expect([big.status, errorCode(big)]).toEqual([413, 'TOO_LARGE']);
    const chunked = await sendChunked('POST', `/api/clients/${clientId}/templates`, new Uint8Array(limit + (1 << 20)));
    expect([chunked.status, chunked.code]).toEqual([413, 'TOO_LARGE']);
    const fresh = (await api('POST', '/api/clients')).json['clientId'] as string;
    const missing = await api('POST', `/api/clients/${fresh}/templates`, probes.alice);
    expect([missing.status, errorCode(missing)]).toEqual([409, 'MISSING_KEY']);
    expect(errorCode(await api('POST', `/api/clients/${fresh}/identify`, probes.alice))).toBe('NO_TEMPLATES');
    expect((await api('DELETE', `/api/clients/${fresh}`)).status).toBe(204);
    expect((await api('GET', `/api/clients/${fresh}`)).status).toBe(404);
    expect((await api('POST', `/api/clients/${'e'.repeat(32)}/templates`, probes.alice)).status).toBe(404);
    expect((await api('POST', `/api/clients/${clientId}/verify/${'0'.repeat(24)}`, probes.alice)).status).toBe(404);
    expect((await api('DELETE', `/api/clients/${clientId}/templates/${'0'.repeat(24)}`)).status).toBe(404);
    expect((await api('GET', `/api/jobs/${'0'.repeat(32)}`)).status).toBe(404);
    expect((await api('GET', `/api/jobs/${'0'.repeat(32)}/result`)).status).toBe(404);
  });

  let aliceTemplate: string;

  it('enrol: 202 and a job whose result is the stored template; verify: the verdict equals the plaintext verdict, while a burst of requests fills the queue (503 + Retry-After) and is answered', async () => {
    const dGenuine = preset.distance(preset.faces.aliceProbe, preset.faces.alice);
    expect(dGenuine).toBeLessThan(tau - 0.05);
    let t0 = performance.now();
    const e = await api('POST', `/api/clients/${clientId}/templates`, probes.alice);
    expect(e.status).toBe(202);
    const seen = new Set<string>();
    const enrol = e.json['jobId'] as string;
    for (;;) { // progress is reported while the job runs
      const s = (await api('GET', `/api/jobs/${enrol}`)).json;
      seen.add(`${s['state']}:${(s['progress'] as { phase: string }).phase}`);
      if (s['state'] === 'done' || s['state'] === 'failed') break;
      await new Promise((w) => setTimeout(w, 100));
    }
    const done = await waitJob(enrol);
    console.log(`server test: enrolment ${(performance.now() - t0).toFixed(0)} ms (keys read, server built, one network run); states seen ${[...seen].join(', ')}`);
    expect(done['error']).toBe(null);
    expect(seen).toContain('running:network');
    aliceTemplate = (done['result'] as { templateId: string }).templateId;
    expect((await api('GET', `/api/clients/${clientId}`)).json['templates']).toEqual([aliceTemplate]);
    expect((await api('GET', `/api/jobs/${enrol}/result`)).status).toBe(409); // an enrolment has no result bytes

    t0 = performance.now();
    const v = await api('POST', `/api/clients/${clientId}/verify/${aliceTemplate}`, probes.aliceProbe);
    expect(v.status).toBe(202);
    const verify = v.json['jobId'] as string;
    expect((await api('GET', `/api/jobs/${verify}/result`)).status).toBe(409); // not finished yet
    // while it runs: probes that pass the envelope checks but that the worker refuses (two ciphertexts where the
    // network takes one; a valid ciphertext one level too low), and cheap reads. --queue 1: one waits, the rest get 503.
    const m = deserializeFaceMessage(setup.context, probes.bob, 'probe');
    const doubled = serializeFaceMessage({ ...m, ciphertexts: [m.ciphertexts[0]!, m.ciphertexts[0]!] });
    const low = serializeFaceMessage({ ...m, ciphertexts: m.ciphertexts.map((c) => new Evaluator(setup.context).dropLevels(c, 1)) });
    const tb = performance.now();
    const burst = await Promise.all([
      ...[doubled, low, doubled, low].map((p) => api('POST', `/api/clients/${clientId}/templates`, p)),
      ...Array.from({ length: 8 }, () => api('GET', `/api/jobs/${verify}`)),
      ...Array.from({ length: 4 }, () => api('GET', `/api/clients/${clientId}`)),
    ]);
    // answered while the verification runs (it takes ≥ 10 s here): the job does not block the HTTP thread
    const burstMs = performance.now() - tb;
    console.log(`server test: burst of 16 requests answered in ${burstMs.toFixed(0)} ms while the verification runs`);
    expect(burstMs).toBeLessThan(8000);
    const submitted = burst.slice(0, 4);
    const accepted = submitted.filter((r) => r.status === 202);
    const refused = submitted.filter((r) => r.status === 503);
    expect(accepted.length).toBe(1);
    expect(refused.length).toBe(3);
    for (const r of refused) {
      expect(errorCode(r)).toBe('BUSY');
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    for (const r of burst.slice(4, 12)) expect([r.status, r.json['state']]).toEqual([200, 'running']);
    for (const r of burst.slice(12)) expect(r.json['templates']).toEqual([aliceTemplate]);
    const queued = accepted[0]!.json['jobId'] as string;
    expect((await api('GET', `/api/jobs/${queued}`)).json).toMatchObject({ state: 'queued', position: 1 });

    const vs = await waitJob(verify);
    console.log(`server test: verification ${(performance.now() - t0).toFixed(0)} ms`);
    expect(vs['state']).toBe('done');
    const verdict = await api('GET', `/api/jobs/${verify}/result`);
    expect(verdict.headers.get('content-type')).toBe('application/octet-stream');
    expect(verdict.bytes.length).toBe((vs['result'] as { bytes: number }).bytes);
    expect(client.readVerdict(verdict.bytes)).toEqual({ match: dGenuine < tau });
    const failed = await waitJob(queued, 20_000);
    expect(failed['state']).toBe('failed');
    expect(['CORRUPT_INPUT', 'INCOMPATIBLE_PARAMETERS']).toContain((failed['error'] as { code: string }).code);
    expect((await api('GET', `/api/clients/${clientId}`)).json['templates']).toEqual([aliceTemplate]);
  });

  it('identify: the verdicts equal the plaintext verdicts, the gallery order is in the job status', async () => {
    const dImpostor = preset.distance(preset.faces.bob, preset.faces.alice);
    expect(dImpostor).toBeGreaterThan(tau + 0.05);
    const t0 = performance.now();
    const i = await api('POST', `/api/clients/${clientId}/identify`, probes.bob);
    expect(i.status).toBe(202);
    const done = await waitJob(i.json['jobId'] as string);
    console.log(`server test: identification ${(performance.now() - t0).toFixed(0)} ms`);
    expect(done).toMatchObject({ state: 'done', templateIds: [aliceTemplate] });
    const result = await api('GET', `/api/jobs/${i.json['jobId'] as string}/result`);
    expect(client.readIdentification(result.bytes)).toEqual({ matches: [dImpostor < tau] });
  });

  it('SIGKILL in the middle of an enrolment and of a key upload, restart: every acknowledged template and key is intact (byte for byte), nothing half-written is served', async () => {
    const before = await api('GET', `/api/clients/${clientId}/templates/${aliceTemplate}`);
    expect(before.status).toBe(200);
    expect(deserializeFaceMessage(setup.context, before.bytes, 'template').model).toBe(setup.model);
    const e = await api('POST', `/api/clients/${clientId}/templates`, probes.bob);
    expect(e.status).toBe(202);
    const jobId = e.json['jobId'] as string;
    // a key upload that stops half-way: its bytes are on disk in a temporary file when the server dies
    const key = blobs[5]!;
    const upload = request(`${server.base}/api/clients/${clientId}/keys/${key.name}`, {
      method: 'PUT', headers: { 'content-length': String(key.bytes.length), 'x-crc32': crcHex(key.bytes), 'content-type': 'application/octet-stream' },
    });
    upload.on('error', () => undefined);
    upload.write(key.bytes.subarray(0, key.bytes.length >> 1));
    for (;;) { // kill once the network is running
      const s = (await api('GET', `/api/jobs/${jobId}`)).json;
      const p = s['progress'] as { phase: string; done: number; total: number };
      if (s['state'] === 'running' && p.phase === 'network' && p.done >= 2) break;
      expect(s['state']).not.toBe('done');
      await new Promise((w) => setTimeout(w, 50));
    }
    expect(hiddenFiles(data).length).toBeGreaterThan(0); // the half-written key
    server.child.kill('SIGKILL');
    await new Promise((w) => server.child.once('exit', w));
    upload.destroy();

    server = await startServer([...args, '--max-client-bytes', String(clientBytes + 100)]);
    expect(hiddenFiles(data)).toEqual([]);
    const state = await api('GET', `/api/clients/${clientId}`);
    expect(state.json).toMatchObject({ keys: { missing: [], bytes: clientBytes }, templates: [aliceTemplate] });
    const after = await api('GET', `/api/clients/${clientId}/templates/${aliceTemplate}`);
    expect(after.bytes).toEqual(before.bytes);
    expect((await api('GET', `/api/jobs/${jobId}`)).status).toBe(404); // jobs do not survive a restart
  });

  it('DELETE a template and a client: 204, then 404; the client\'s directory is gone', async () => {
    expect((await api('DELETE', `/api/clients/${clientId}/templates/${aliceTemplate}`)).status).toBe(204);
    expect((await api('DELETE', `/api/clients/${clientId}/templates/${aliceTemplate}`)).status).toBe(404);
    expect((await api('GET', `/api/clients/${clientId}/templates/${aliceTemplate}`)).status).toBe(404);
    expect((await api('POST', `/api/clients/${clientId}/verify/${aliceTemplate}`, probes.aliceProbe)).status).toBe(404);
    expect((await api('GET', `/api/clients/${clientId}`)).json['templates']).toEqual([]);
    expect((await api('DELETE', `/api/clients/${clientId}`)).status).toBe(204);
    expect((await api('GET', `/api/clients/${clientId}`)).status).toBe(404);
    expect((await api('DELETE', `/api/clients/${clientId}`)).status).toBe(404);
    expect(readdirSync(join(data, 'clients'))).toEqual([]);
  });

  it('static files: /, /web/, /lib/, /models/ with the cross-origin isolation headers; traversal and missing files are 404', async () => {
    const get = async (path: string) => {
      const r = await fetch(`${server.base}${path}`);
      return { status: r.status, type: r.headers.get('content-type'), coop: r.headers.get('cross-origin-opener-policy'), coep: r.headers.get('cross-origin-embedder-policy'), text: await r.text() };
    };
    expect(await get('/')).toMatchObject({ status: 200, type: 'text/html; charset=utf-8', coop: 'same-origin', coep: 'require-corp', text: '<!doctype html><title>t</title>' });
    expect(await get('/web/app.js')).toMatchObject({ status: 200, type: 'text/javascript; charset=utf-8', coep: 'require-corp' });
    expect(await get('/lib/face/index.js')).toMatchObject({ status: 200, text: 'export const x = 1;' });
    expect(await get('/models/m/weights.bin')).toMatchObject({ status: 200, type: 'application/octet-stream' });
    for (const p of ['/web/../secret.txt', '/web/%2e%2e/secret.txt', '/lib/..%2fsecret.txt', '/web/..%5csecret.txt', '/secret.txt', '/web/missing.js', '/models/m', '/web/%zz']) {
      expect((await get(p)).status, p).toBe(404);
    }
    expect((await fetch(`${server.base}/web/app.js`, { method: 'POST' })).status).toBe(405);
    rmSync(join(root, 'web'), { recursive: true });
    expect(await get('/')).toMatchObject({ status: 404, coop: 'same-origin' });
  });
});
