// The key holder, in a module Web Worker (docs/browser-client.md): builds the same FaceSetup as the service from
// GET /api/setup, owns the secret key, generates the evaluation keys one at a time and uploads each before the next
// is generated (the tab never holds them all: gigabytes at N = 2^16), encrypts faces, and decrypts verdicts. The page
// (app.js) only sends commands and draws the progress this worker reports. The secret key never leaves this worker,
// except into IndexedDB when the user asks for it to be kept (sessionStore.js).
//
// Messages in:  { type: 'init', threads, explicitThreads, persist } | { type: 'enrol', input, label } | { type: 'verify', input, templateId }
//               | { type: 'identify', input } | { type: 'persist', persist } | { type: 'forget' }
// Messages out: { type: 'ready', … } | { type: 'progress', bar, done, total, text } | { type: 'log', text }
//               | { type: 'done', op, … } | { type: 'error', op, code, message }
import { ThreadPool } from '/lib/ckks/parallel/pool.js';
import { KeyGenerator } from '/lib/ckks/scheme/keyGenerator.js';
import { deserializeSecretKey, serializeSecretKey } from '/lib/ckks/serialization/format.js';
import { decodeFaceCrop } from '/lib/face/io/faceCrop.js';
import { FaceClient } from '/lib/face/protocol/client.js';
import { evaluationKeyNames } from '/lib/face/protocol/evaluationKeys.js';
import { FaceSetup } from '/lib/face/protocol/faceSetup.js';
import { loadWeights } from '/lib/face/weights.js';
import * as api from './api.js';
import { deleteSession, loadSession, saveSession } from './sessionStore.js';

/**
 * @typedef {import('/lib/face/testing/insecureTestPreset.js').InsecureTestPreset} InsecureTestPreset
 * @typedef {import('/lib/nn/tensor.js').Tensor3} Tensor3
 * @typedef {{ kind: 'crop', bytes: Uint8Array, name: string } | { kind: 'test-input', name: string }} FaceInput
 * @typedef {import('./sessionStore.js').TemplateEntry} TemplateEntry
 */

/** Everything this worker holds between commands. */
const state = {
  /** @type {FaceSetup | undefined} */ setup: undefined,
  /** @type {api.SetupInfo | undefined} */ info: undefined,
  /** @type {InsecureTestPreset | undefined} */ preset: undefined,
  /** @type {FaceClient | undefined} */ client: undefined,
  /** The secret key's bytes, kept only to store them in IndexedDB when asked. @type {Uint8Array | undefined} */ secretKeyBytes: undefined,
  /** @type {string | undefined} */ clientId: undefined,
  keysUploaded: false,
  /** @type {TemplateEntry[]} */ templates: [],
  persist: false,
};

/** @param {Record<string, unknown>} message */
const post = (message) => self.postMessage(message);
/** @param {string} text */
const log = (text) => post({ type: 'log', text });
/**
 * @param {'setup' | 'keygen' | 'upload' | 'server' | 'crypto'} bar
 * @param {number} done
 * @param {number} total
 * @param {string} text
 */
const progress = (bar, done, total, text) => post({ type: 'progress', bar, done, total, text });
const seconds = (/** @type {number} */ ms) => `${(ms / 1000).toFixed(1)} s`;
/** @param {number} n */
const formatBytes = (n) => n >= 1e9 ? `${(n / 1e9).toFixed(2)} GB` : n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${(n / 1e3).toFixed(1)} kB`;

/** @returns {FaceSetup} */
function setupOrThrow() {
  if (state.setup === undefined) throw new Error('the page has not finished loading the model');
  return state.setup;
}

/**
 * Rebuilds the service's FaceSetup from its description; refuses to go on unless the model id and key names match.
 * @param {number} threads
 * @param {boolean} explicitThreads whether the page's URL asked for this many (`?threads=`)
 */
async function init(threads, explicitThreads) {
  progress('setup', 0, 3, 'asking the service which model it runs');
  const info = await api.getSetup();
  state.info = info;
  let fallback = /** @type {string | undefined} */ (undefined);
  let threadNote = /** @type {string | undefined} */ (undefined);
  if (info.setup.parameterSet === 'CRYPTOFACE_N16' && threads > 1 && !explicitThreads) {
    // Chromium frees a SharedArrayBuffer only when a collection happens to run, and its collector does not count
    // their size: measured, every key generated on threads stayed resident (the whole 13.6 GB key set). On one thread
    // the polynomials are ordinary ArrayBuffers, which it frees as it goes (≈ 0.5–1 GB throughout).
    threads = 1;
    threadNote = 'One thread at N = 2^16 (add ?threads=N to override): this browser does not free the shared memory that threads use promptly, and the 149 evaluation keys would all stay in memory (13.6 GB).';
  }
  const pool = await ThreadPool.create({ threads, onFallback: (reason) => { fallback = reason; } });
  progress('setup', 1, 3, `loading the ${info.preset} model`);
  const d = info.setup;
  /** @type {FaceSetup} */
  let setup;
  if (d.parameterSet === 'insecureTestPreset') {
    if (!d.module.startsWith('/lib/')) throw new Error(`the setup names a module outside the library: ${d.module}`);
    const mod = /** @type {Record<string, unknown>} */ (await import(d.module));
    const make = mod[d.export];
    if (typeof make !== 'function') throw new Error(`${d.module} has no export ${d.export}`);
    const preset = /** @type {InsecureTestPreset} */ (make());
    state.preset = preset;
    progress('setup', 2, 3, 'compiling the network');
    setup = FaceSetup.create(preset.weights, { ...preset.options, pool });
  } else if (d.parameterSet === 'CRYPTOFACE_N16') {
    const [manifest, binary] = await Promise.all([
      fetch(d.weights.manifest).then((r) => { if (!r.ok) throw new Error(`${d.weights.manifest}: HTTP ${r.status}`); return r.text(); }),
      fetch(d.weights.binary).then(async (r) => { if (!r.ok) throw new Error(`${d.weights.binary}: HTTP ${r.status}`); return new Uint8Array(await r.arrayBuffer()); }),
    ]);
    progress('setup', 2, 3, 'compiling the network');
    setup = FaceSetup.create(loadWeights(manifest, binary), { pool });
  } else {
    throw new Error(`unknown parameter set ${String(/** @type {{ parameterSet?: unknown }} */ (d).parameterSet)}`);
  }
  if (setup.model !== info.model) {
    throw new api.ApiError(409, 'INCOMPATIBLE_PARAMETERS', `this page computes model ${setup.model.slice(0, 12)}…, the service runs ${info.model.slice(0, 12)}… (a stale /lib build?)`);
  }
  const plan = setup.keyPlan();
  const names = evaluationKeyNames(plan);
  if (names.join(',') !== info.keyNames.join(',')) throw new api.ApiError(409, 'INCOMPATIBLE_PARAMETERS', 'this page plans other evaluation keys than the service');
  state.setup = setup;
  progress('setup', 3, 3, 'ready');
  const restored = await restore(setup);
  post({
    type: 'ready', preset: info.preset, model: info.model, insecure: d.insecure, threads: pool.threads, fallback, threadNote,
    keyCount: names.length, keyBytes: plan.bytesSeeded, ringDegree: setup.context.ringDegree,
    restored, testInputs: state.preset === undefined ? [] : testInputPreviews(state.preset),
  });
}

/**
 * The stored session (if the user kept one): the secret key, the client id, the templates — provided the service
 * still knows the client.
 * @param {FaceSetup} setup
 */
async function restore(setup) {
  let stored;
  try {
    stored = await loadSession(setup.model);
  } catch (e) {
    log(`IndexedDB is not available (${e instanceof Error ? e.message : String(e)}); nothing is kept in this browser`);
    return null;
  }
  if (stored === undefined) return null;
  let secretKey;
  try {
    secretKey = deserializeSecretKey(setup.context, stored.secretKey); // checked: CRC, parameter fingerprint
  } catch (e) {
    log(`the kept secret key is unreadable (${e instanceof Error ? e.message : String(e)}); it is deleted from this browser`);
    await deleteSession(setup.model);
    return null;
  }
  state.persist = true;
  try {
    const status = await api.getClient(stored.clientId);
    state.client = FaceClient.create(setup, { secretKey });
    state.secretKeyBytes = stored.secretKey;
    state.clientId = stored.clientId;
    state.keysUploaded = status.keys.missing.length === 0;
    state.templates = stored.templates.filter((t) => status.templates.includes(t.id));
    return { clientId: stored.clientId, templates: state.templates, keysUploaded: state.keysUploaded };
  } catch (e) {
    // only a service that no longer knows the client makes the kept key useless; anything else (the network, a
    // restart) must not cost the user their key: stop here and let them reload
    if (!(e instanceof api.ApiError && e.status === 404)) throw new Error(`the kept session could not be restored, reload to try again: ${e instanceof Error ? e.message : String(e)}`);
    log('the service no longer knows the kept client; its key is deleted from this browser');
    await deleteSession(setup.model);
    state.persist = false;
    return null;
  }
}

/** Stores or deletes the session according to the user's choice. */
async function syncStore() {
  const setup = setupOrThrow();
  if (!state.persist || state.clientId === undefined || state.secretKeyBytes === undefined) {
    await deleteSession(setup.model);
    return;
  }
  await saveSession({ model: setup.model, clientId: state.clientId, secretKey: state.secretKeyBytes, templates: state.templates, keysUploaded: state.keysUploaded, saved: new Date().toISOString() });
}

/** The test preset's three synthetic inputs as small RGB pictures (the 32×32 network input, patches put together). */
function testInputPreviews(/** @type {InsecureTestPreset} */ preset) {
  const labels = /** @type {Record<string, string>} */ ({ alice: 'test input "alice"', aliceProbe: 'test input "alice-probe" (close to alice)', bob: 'test input "bob" (far from both)' });
  return Object.entries(preset.faces).map(([name, patches]) => {
    const grid = Math.round(Math.sqrt(patches.length));
    const p = patches[0]?.h ?? 0;
    const side = grid * p;
    const rgb = new Uint8ClampedArray(side * side * 4);
    patches.forEach((t, k) => {
      const r0 = Math.floor(k / grid) * p, c0 = (k % grid) * p;
      for (let y = 0; y < p; y++) {
        for (let x = 0; x < p; x++) {
          const o = ((r0 + y) * side + c0 + x) * 4;
          for (let c = 0; c < 3; c++) rgb[o + c] = Math.round(((t.data[(c * p + y) * p + x] ?? 0) * 0.5 + 0.5) * 255); // (v/255 − 0.5)/0.5 inverted
          rgb[o + 3] = 255;
        }
      }
    });
    return { name, label: labels[name] ?? name, side, rgba: rgb };
  });
}

/**
 * A face (a PNG crop or a test input) → the encrypted probe message.
 * @param {FaceInput} input
 * @returns {Promise<Uint8Array>}
 */
async function encrypt(input) {
  const client = state.client;
  if (client === undefined) throw new Error('no key yet: enrol a face first');
  progress('crypto', 0, 1, 'encrypting the face');
  const t0 = performance.now();
  let probe;
  if (input.kind === 'test-input') {
    const faces = /** @type {Record<string, readonly Tensor3[]> | undefined} */ (state.preset?.faces);
    const patches = faces?.[input.name];
    if (patches === undefined) throw new RangeError(`no test input "${input.name}" (the service runs the ${state.info?.preset} preset)`);
    probe = client.encryptPatches(patches);
  } else {
    const { rgb } = await decodeFaceCrop(input.bytes, input.name);
    probe = state.preset !== undefined ? client.encryptPatches(state.preset.patchesFromCrop(rgb)) : client.encryptFace(rgb);
  }
  progress('crypto', 1, 1, `encrypted in ${seconds(performance.now() - t0)}: probe ${formatBytes(probe.length)}`);
  return probe;
}

/**
 * A new secret key and client, then every evaluation key: generated one at a time, each uploaded before the next is
 * generated, so at most one key is held at once. Keys the service already has (an interrupted upload) are skipped.
 */
async function ensureKeys() {
  const setup = setupOrThrow();
  if (state.client === undefined) {
    progress('keygen', 0, 1, 'generating the secret key');
    const sk = new KeyGenerator(setup.context).secretKey();
    state.client = FaceClient.create(setup, { secretKey: sk });
    state.secretKeyBytes = serializeSecretKey(sk);
    state.clientId = await api.createClient();
    state.keysUploaded = false;
    state.templates = [];
    await syncStore();
    log(`registered as client ${state.clientId}`);
  }
  if (state.keysUploaded) return;
  const clientId = /** @type {string} */ (state.clientId);
  const missing = new Set((await api.getClient(clientId)).keys.missing);
  const plan = setup.keyPlan();
  const total = evaluationKeyNames(plan).length;
  const planned = plan.bytesSeeded;
  let generated = 0, uploadedKeys = 0, uploadedBytes = 0, genMs = 0, upMs = 0;
  const started = performance.now();
  let t = performance.now();
  progress('keygen', 0, total, `generating key 1 of ${total}`);
  progress('upload', 0, planned, `0 of ≈ ${formatBytes(planned)}`);
  for (const blob of state.client.evaluationKeys()) { // each step of this loop generates one key
    genMs += performance.now() - t;
    generated++;
    progress('keygen', generated, total, `${generated} of ${total} keys generated (${blob.name}, ${formatBytes(blob.bytes.length)})`);
    if (missing.has(blob.name)) {
      const u = performance.now();
      await api.putKey(clientId, blob.name, blob.bytes);
      upMs += performance.now() - u;
      uploadedKeys++;
      uploadedBytes += blob.bytes.length;
    }
    progress('upload', uploadedBytes, Math.max(planned, uploadedBytes), `${uploadedKeys} keys, ${formatBytes(uploadedBytes)} uploaded`);
    t = performance.now(); // the blob goes out of scope here: nothing keeps it
  }
  const left = (await api.getClient(clientId)).keys.missing;
  if (left.length > 0) throw new api.ApiError(200, 'MISSING_KEY', `the service still misses ${left.length} keys: ${left.slice(0, 3).join(', ')}`);
  state.keysUploaded = true;
  await syncStore();
  const totalMs = performance.now() - started;
  progress('keygen', generated, total, `${generated} keys generated in ${seconds(genMs)}`);
  progress('upload', uploadedBytes, Math.max(uploadedBytes, 1), `${uploadedKeys} keys, ${formatBytes(uploadedBytes)} uploaded in ${seconds(upMs)} (${seconds(totalMs)} with generation)`);
  const summary = { keys: generated, uploadedKeys, bytes: uploadedBytes, seconds: totalMs / 1000, generateSeconds: genMs / 1000, uploadSeconds: upMs / 1000 };
  log(`evaluation keys: ${generated} generated, ${uploadedKeys} uploaded, ${formatBytes(uploadedBytes)} in ${seconds(totalMs)} (generation ${seconds(genMs)}, upload ${seconds(upMs)})`);
  post({ type: 'keys', ...summary });
}

/**
 * Waits for a job, reporting its progress on the 'server' bar.
 * @param {string} jobId
 */
async function serverWork(jobId) {
  const t0 = performance.now();
  const status = await api.waitForJob(jobId, (s) => {
    if (s.state === 'queued') progress('server', 0, 1, `queued${s.position > 0 ? ` (position ${s.position})` : ''}`);
    else if (s.state === 'running') progress('server', s.progress.done, Math.max(1, s.progress.total), `${s.progress.phase}: ${s.progress.done} of ${s.progress.total}`);
  });
  progress('server', 1, 1, `done in ${seconds(performance.now() - t0)}`);
  return { status, serverSeconds: (performance.now() - t0) / 1000 };
}

/**
 * @param {FaceInput} input
 * @param {string} label
 */
async function enrol(input, label) {
  await ensureKeys();
  const probe = await encrypt(input);
  const jobId = await api.submitProbe(/** @type {string} */ (state.clientId), 'enrol', probe);
  const { status, serverSeconds } = await serverWork(jobId);
  const templateId = status.result?.['templateId'];
  if (typeof templateId !== 'string') throw new Error('the enrolment job returned no template id');
  state.templates.push({ id: templateId, label });
  await syncStore();
  return { templateId, label, templates: state.templates, serverSeconds, probeBytes: probe.length };
}

/**
 * @param {FaceInput} input
 * @param {string} templateId
 */
async function verify(input, templateId) {
  const client = state.client;
  if (client === undefined || state.clientId === undefined || !state.keysUploaded) throw new Error('enrol a face first');
  const probe = await encrypt(input);
  const jobId = await api.submitProbe(state.clientId, 'verify', probe, templateId);
  const { serverSeconds } = await serverWork(jobId);
  const verdictBytes = await api.jobResult(jobId);
  const { match } = client.readVerdict(verdictBytes);
  return { templateId, match, serverSeconds, probeBytes: probe.length, verdictBytes: verdictBytes.length };
}

/** @param {FaceInput} input */
async function identify(input) {
  const client = state.client;
  if (client === undefined || state.clientId === undefined || !state.keysUploaded) throw new Error('enrol a face first');
  const probe = await encrypt(input);
  const jobId = await api.submitProbe(state.clientId, 'identify', probe);
  const { status, serverSeconds } = await serverWork(jobId);
  const { matches } = client.readIdentification(await api.jobResult(jobId));
  const order = /** @type {{ templateIds?: unknown }} */ (status).templateIds; // the gallery's order (docs/server.md)
  if (!Array.isArray(order) || order.length !== matches.length) throw new Error('the identification job did not say which template each verdict is for');
  const ids = order.map(String);
  return { matches: ids.map((id, i) => ({ templateId: id, match: matches[i] === true })), serverSeconds };
}

/** Deletes the client (keys and templates) on the service and everything kept here. */
async function forget() {
  const setup = setupOrThrow();
  if (state.clientId !== undefined) await api.deleteClient(state.clientId).catch((e) => { if (!(e instanceof api.ApiError && e.status === 404)) throw e; });
  Object.assign(state, { client: undefined, secretKeyBytes: undefined, clientId: undefined, keysUploaded: false, templates: [] });
  await deleteSession(setup.model);
  return { templates: [] };
}

/** A command's fields (what app.js sends; see the header). @typedef {Record<string, unknown>} Command */
const inputOf = (/** @type {Command} */ m) => /** @type {FaceInput} */ (m['input']);
/** @type {Record<string, (m: Command) => Promise<Record<string, unknown> | void>>} */
const handlers = {
  init: (m) => { state.persist = m['persist'] === true; return init(Number(m['threads']) || 1, m['explicitThreads'] === true); },
  enrol: (m) => enrol(inputOf(m), String(m['label'])),
  verify: (m) => verify(inputOf(m), String(m['templateId'])),
  identify: (m) => identify(inputOf(m)),
  persist: async (m) => { state.persist = m['persist'] === true; await syncStore(); return { persist: state.persist }; },
  forget: () => forget(),
};

// one command at a time, in order: the page disables its buttons meanwhile, this queue makes sure of it
let queue = Promise.resolve();
self.addEventListener('message', (/** @type {MessageEvent<unknown>} */ e) => {
  const m = /** @type {Command & { type: string }} */ (e.data);
  const handler = handlers[m.type];
  if (handler === undefined) return;
  queue = queue.then(async () => {
    try {
      const result = await handler(m);
      if (m.type !== 'init') post({ type: 'done', op: m.type, ...(result ?? {}) });
    } catch (err) {
      const code = err instanceof api.ApiError ? err.code : typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : err instanceof Error ? err.name : 'ERROR';
      post({ type: 'error', op: m.type, code, message: err instanceof Error ? err.message : String(err) });
    }
  });
});
