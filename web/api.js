// The face service's HTTP API as the browser client uses it (the contract: docs/server.md). Every call goes to the
// page's own origin; errors come back as ApiError with the service's stable code (CORRUPT_INPUT, MISSING_KEY,
// INCOMPATIBLE_PARAMETERS, NOT_FOUND, TOO_LARGE, BUSY, …). Runs in the Web Worker (fetch works there too).
import { crc32 } from '/lib/ckks/serialization/crc32.js';

/** A refusal from the service: HTTP status, stable code and message. */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} code
   * @param {string} message
   */
  constructor(status, code, message) {
    super(`${message} (${code}, HTTP ${status})`);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

/**
 * @typedef {{ parameterSet: 'CRYPTOFACE_N16', weights: { manifest: string, binary: string }, insecure: false }
 *         | { parameterSet: 'insecureTestPreset', module: string, export: string, insecure: true }} SetupDescription
 * @typedef {{ model: string, preset: string, setup: SetupDescription, keyNames: string[] }} SetupInfo
 * @typedef {{ phase: string, done: number, total: number }} JobProgress
 * @typedef {{ state: 'queued' | 'running' | 'done' | 'failed', position: number, progress: JobProgress,
 *             result: Record<string, unknown> | null, error: { code: string, message: string } | null }} JobStatus
 */

/**
 * @param {Response} res
 * @returns {Promise<ApiError>}
 */
async function errorOf(res) {
  let code = 'HTTP_ERROR';
  let message = res.statusText || `HTTP ${res.status}`;
  try {
    const body = /** @type {{ error?: { code?: unknown, message?: unknown } }} */ (await res.json());
    if (typeof body.error?.code === 'string') code = body.error.code;
    if (typeof body.error?.message === 'string') message = body.error.message;
  } catch {
    // not JSON: keep the status line
  }
  return new ApiError(res.status, code, message);
}

const sleep = (/** @type {number} */ ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One request; a 503 (queue full) is retried after its Retry-After (at most `retries` times).
 * @param {string} method
 * @param {string} path
 * @param {{ body?: Uint8Array, headers?: Record<string, string>, retries?: number }} [options]
 * @returns {Promise<Response>}
 */
async function request(method, path, options = {}) {
  for (let attempt = 0; ; attempt++) {
    const init = /** @type {RequestInit} */ ({ method, headers: options.headers ?? {} });
    if (options.body !== undefined) init.body = /** @type {BodyInit} */ (options.body);
    const res = await fetch(path, init);
    if (res.ok) return res;
    if (res.status === 503 && attempt < (options.retries ?? 5)) {
      const wait = Number(res.headers.get('Retry-After') ?? '2');
      await res.body?.cancel();
      await sleep(1000 * (Number.isFinite(wait) && wait > 0 ? Math.min(wait, 30) : 2));
      continue;
    }
    throw await errorOf(res);
  }
}

/**
 * @param {string} method
 * @param {string} path
 * @param {{ body?: Uint8Array, headers?: Record<string, string> }} [options]
 * @returns {Promise<unknown>} the parsed JSON body (its shape is the contract's: the callers say which)
 */
async function json(method, path, options) {
  return /** @type {unknown} */ (await (await request(method, path, options)).json());
}

const octets = { 'Content-Type': 'application/octet-stream' };
const hex8 = (/** @type {number} */ n) => (n >>> 0).toString(16).padStart(8, '0');
const segment = (/** @type {string} */ s) => encodeURIComponent(s);

/** @returns {Promise<SetupInfo>} */
export const getSetup = async () => /** @type {SetupInfo} */ (await json('GET', '/api/setup'));

/** @returns {Promise<string>} a new client id */
export const createClient = async () => /** @type {{ clientId: string }} */ (await json('POST', '/api/clients')).clientId;

/**
 * @param {string} clientId
 * @returns {Promise<{ keys: { present: string[], missing: string[] }, templates: string[] }>}
 */
export const getClient = async (clientId) => /** @type {{ keys: { present: string[], missing: string[] }, templates: string[] }} */ (await json('GET', `/api/clients/${segment(clientId)}`));

/**
 * Uploads one evaluation-key blob with its CRC-32 (the server checks it before storing).
 * @param {string} clientId
 * @param {string} name
 * @param {Uint8Array} bytes
 */
export async function putKey(clientId, name, bytes) {
  const res = await request('PUT', `/api/clients/${segment(clientId)}/keys/${segment(name)}`, { body: bytes, headers: { ...octets, 'x-crc32': hex8(crc32(bytes)) } });
  await res.arrayBuffer(); // read the (small) answer: an unread response keeps its request alive (measured in chromium: RSS grew with every key uploaded)
}

/**
 * Submits a probe for enrolment, 1:1 verification (`templateId`) or 1:N identification; resolves with the job id.
 * @param {string} clientId
 * @param {'enrol' | 'verify' | 'identify'} kind
 * @param {Uint8Array} probe
 * @param {string} [templateId]
 * @returns {Promise<string>}
 */
export async function submitProbe(clientId, kind, probe, templateId) {
  const base = `/api/clients/${segment(clientId)}`;
  const path = kind === 'enrol' ? `${base}/templates` : kind === 'identify' ? `${base}/identify` : `${base}/verify/${segment(templateId ?? '')}`;
  return /** @type {{ jobId: string }} */ (await json('POST', path, { body: probe, headers: octets })).jobId;
}

/**
 * @param {string} jobId
 * @returns {Promise<JobStatus>}
 */
export const jobStatus = async (jobId) => /** @type {JobStatus} */ (await json('GET', `/api/jobs/${segment(jobId)}`));

/**
 * @param {string} jobId
 * @returns {Promise<Uint8Array>}
 */
export async function jobResult(jobId) {
  return new Uint8Array(await (await request('GET', `/api/jobs/${segment(jobId)}/result`)).arrayBuffer());
}

/**
 * Polls a job until it is done (resolves with its status) or failed (rejects with its error).
 * @param {string} jobId
 * @param {(status: JobStatus) => void} onStatus called after every poll
 * @param {number} [everyMs]
 * @returns {Promise<JobStatus>}
 */
export async function waitForJob(jobId, onStatus, everyMs = 400) {
  for (;;) {
    const s = await jobStatus(jobId);
    onStatus(s);
    if (s.state === 'done') return s;
    if (s.state === 'failed') throw new ApiError(200, s.error?.code ?? 'JOB_FAILED', s.error?.message ?? 'the job failed');
    await sleep(everyMs);
  }
}

/**
 * @param {string} clientId
 * @param {string} templateId
 */
export async function deleteTemplate(clientId, templateId) {
  await request('DELETE', `/api/clients/${segment(clientId)}/templates/${segment(templateId)}`);
}

/** @param {string} clientId */
export async function deleteClient(clientId) {
  await request('DELETE', `/api/clients/${segment(clientId)}`);
}
