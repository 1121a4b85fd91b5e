/**
 * The job worker (a node:worker_threads thread; Node only): builds the preset's FaceSetup with its own thread pool,
 * keeps one client's FaceServer (keys read lazily from the client's key directory through a KeyBlobStore,
 * src/cli/keyDirectory.ts), and runs enrol / verify / identify jobs one at a time, so that two heavy jobs never share
 * the cores and the HTTP thread's event loop never waits for one. Progress comes from FaceServer's onLayer / onPhase
 * callbacks.
 */
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { ThreadPool } from '../ckks/parallel/index.js';
import { levelledKeyBytes } from '../ckks/scheme/levelledKeys.js';
import { FaceSetup } from '../face/protocol/faceSetup.js';
import { FaceServer } from '../face/protocol/server.js';
import { evaluationKeyNames } from '../face/protocol/evaluationKeys.js';
import { directoryKeyStore } from '../cli/keyDirectory.js';
import { loadPreset } from './presets.js';
import { exposeGarbageCollector } from '../cli/gc.js';
import type { FromWorker, SetupInfo, ToWorker, WorkerStart } from './workerMessages.js';

exposeGarbageCollector(); // the face server collects between key phases (src/cli/gc.ts)
const port = parentPort;
if (port === null) throw new Error('jobWorker.ts runs as a worker thread');
const start = workerData as WorkerStart;
const post = (m: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

/** The stable code of a library or service error ('INTERNAL' for anything else). */
function errorCode(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^[A-Z_]+$/.test(code)) return code === 'ENOENT' ? 'NOT_FOUND' : code;
  return e instanceof RangeError || e instanceof TypeError ? 'BAD_REQUEST' : 'INTERNAL';
}

const preset = loadPreset(start.preset, start.root);
const pool = await ThreadPool.create({ threads: start.threads });
const setup = FaceSetup.create(preset.weights, { ...preset.options, pool });
const plan = setup.keyPlan();
const ctx = setup.context;
const N = ctx.ringDegree;
const net = setup.crypto.net;
const blocks = preset.weights.patches[0]?.blocks.length ?? 0;
const info: SetupInfo = {
  model: setup.model,
  preset: start.preset,
  description: preset.description,
  keyNames: evaluationKeyNames(plan),
  fingerprint: ctx.params.fingerprint(),
  largestKeyBytes: Math.max(...plan.galoisKeys.map((k) => k.bytes), levelledKeyBytes(ctx, plan.relinearizationLevel).plain, 2 * (ctx.maxLevel + 1) * N * 8, plan.bytes - plan.galoisKeys.reduce((s, k) => s + k.bytes, 0)),
  allKeysBytes: plan.bytes + 2 * (ctx.maxLevel + 1) * N * 8,
  probeBytes: net.inputLayout.ciphertexts * 2 * (net.inputLevel + 1) * N * 8,
  galleryCapacity: setup.featureLayout.slots / setup.featureLayout.dim,
  // stem, four per block, the refresh, pool HerPN, window sums, gather, replication, fusion (encryptedCfnet.ts forward)
  layers: 1 + 4 * blocks + 1 + 5,
};

let current: { id: string; layers: number } | undefined;
let cached: { clientId: string; server: FaceServer } | undefined;

function serverFor(clientId: string, keyDirectory: string, id: string): FaceServer {
  if (cached?.clientId === clientId) return cached.server;
  cached = undefined; // release the previous client's server before building the next
  post({ type: 'progress', id, phase: 'loading keys', done: 0, total: 1 });
  // keys read when a phase needs them, each into one reused buffer (keyDirectory.ts)
  const server = FaceServer.create(setup, directoryKeyStore(keyDirectory, { suffix: '.bin' }), {
    budgetBytes: start.budgetBytes,
    onLayer: () => {
      if (current === undefined) return;
      current.layers++;
      post({ type: 'progress', id: current.id, phase: 'network', done: Math.min(current.layers, info.layers), total: info.layers });
    },
    onPhase: (phase) => {
      if (current !== undefined && phase !== 'network') post({ type: 'progress', id: current.id, phase, done: 1, total: 1 });
    },
  });
  cached = { clientId, server };
  return server;
}

function run(m: Extract<ToWorker, { type: 'job' }>): Uint8Array {
  const templates = m.templates.map((p) => readFileSync(p)); // (a template deleted meanwhile fails the job before any work)
  const server = serverFor(m.clientId, m.keyDirectory, m.id);
  // the gallery is packed (and its templates checked) before the network runs
  const gallery = m.kind === 'identify' ? server.packGallery(templates) : undefined;
  current = { id: m.id, layers: 0 };
  post({ type: 'progress', id: m.id, phase: 'network', done: 0, total: info.layers });
  if (m.kind === 'enrol') return server.enrol(m.probe);
  if (m.kind === 'verify') return server.verify(m.probe, templates[0]!);
  return server.identify(m.probe, gallery!);
}

port.on('message', (m: ToWorker) => {
  if (m.type === 'evict') {
    if (cached?.clientId === m.clientId) cached = undefined;
    return;
  }
  const t0 = performance.now();
  try {
    const out = run(m);
    const bytes = out.byteOffset === 0 && out.byteLength === out.buffer.byteLength && out.buffer instanceof ArrayBuffer ? out : out.slice();
    post({ type: 'result', id: m.id, bytes, seconds: (performance.now() - t0) / 1000 }, [bytes.buffer as ArrayBuffer]);
  } catch (e) {
    const code = errorCode(e);
    // (no server paths in answers: a vanished file is a client or template deleted while the job waited)
    const message = code === 'NOT_FOUND' ? 'the client or a template was deleted while the job waited' : e instanceof Error ? e.message : String(e);
    post({ type: 'failed', id: m.id, code, message, seconds: (performance.now() - t0) / 1000 });
  } finally {
    current = undefined;
  }
});

post({ type: 'ready', info });
