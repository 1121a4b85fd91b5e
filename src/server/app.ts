/**
 * The HTTP face service's request handler (Node only; the contract is docs/server.md): routing, size limits, the
 * cheap checks of envelopes.ts, storage (storage.ts) and the job queue (jobQueue.ts). Everything heavy runs in the job
 * worker; this thread only streams bytes, checks headers and answers, so it stays responsive while a job runs.
 * Errors are JSON `{"error":{"code","message"}}` with the status of the ServiceError (500 INTERNAL otherwise).
 */
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { ServiceError, checkFaceMessage } from './envelopes.js';
import { KeyUploadCheck, parseCrcHeader } from './keyUpload.js';
import type { JobQueue, JsonValue } from './jobQueue.js';
import { serveStatic, securityHeaders } from './staticFiles.js';
import { DRAIN_BYTES, type DataStore } from './storage.js';

export interface Limits {
  /** Bytes of one key blob. */
  readonly keyBytes: number;
  /** Bytes of all of one client's key blobs together. */
  readonly clientKeyBytes: number;
  /** Bytes of one probe message. */
  readonly probeBytes: number;
}

export interface AppOptions {
  readonly store: DataStore;
  readonly queue: JobQueue;
  readonly limits: Limits;
  /** Package root (web/, dist/, models/ below it). */
  readonly root: string;
}

function sendJson(res: ServerResponse, status: number, body: JsonValue, headers: Readonly<Record<string, string>> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...securityHeaders, ...headers, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(Buffer.byteLength(text)), 'Cache-Control': 'no-store' });
  res.end(text);
}

function sendBytes(res: ServerResponse, bytes: Uint8Array): void {
  res.writeHead(200, { ...securityHeaders, 'Content-Type': 'application/octet-stream', 'Content-Length': String(bytes.length), 'Cache-Control': 'no-store' });
  res.end(bytes);
}

function sendError(res: ServerResponse, e: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // a file that vanished between a check and its read (deleted meanwhile) is a 404 like any other unknown resource
  const vanished = (e as { code?: unknown } | null)?.code === 'ENOENT';
  const se = e instanceof ServiceError ? e : vanished ? new ServiceError(404, 'NOT_FOUND', 'no such resource (deleted meanwhile)')
    : new ServiceError(500, 'INTERNAL', e instanceof Error ? e.message : String(e));
  if (se.status === 500) process.stderr.write(`internal error: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  sendJson(res, se.status, { error: { code: se.code, message: se.message } }, se.headers);
}

const tooLarge = (what: string, limit: number) => new ServiceError(413, 'TOO_LARGE', `${what} exceeds the limit of ${limit} bytes`);

/** 413 at once when the declared length is over `limit`. */
function checkDeclaredLength(req: IncomingMessage, limit: number, what: string): void {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(what, limit);
}

/** The whole body (a probe: megabytes at most), refused past `limit`; one buffer of its own (transferable). */
async function readBody(req: IncomingMessage, limit: number, what: string): Promise<Uint8Array> {
  checkDeclaredLength(req, limit, what);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const c of req as AsyncIterable<Uint8Array>) {
    total += c.length;
    if (total > limit + DRAIN_BYTES) break; // (drops the connection)
    if (total <= limit) chunks.push(c);
  }
  if (total > limit) throw tooLarge(what, limit); // answered once the body is read, as in DataStore.putKey
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

export function createApp(options: AppOptions): RequestListener {
  const { store, queue, limits, root } = options;
  const info = queue.info;
  const keyNames = new Set(info.keyNames);
  /** Bytes of key uploads in flight per client (the per-client limit counts them). */
  const inFlight = new Map<string, number>();

  async function missingKeys(dir: string): Promise<string[]> {
    const present = await store.keys(dir);
    return info.keyNames.filter((n) => !present.has(n));
  }

  async function putKey(req: IncomingMessage, res: ServerResponse, clientId: string, name: string): Promise<void> {
    const dir = await store.client(clientId);
    if (!keyNames.has(name)) throw new ServiceError(400, 'BAD_REQUEST', `"${name}" is not a key of this server's plan (GET /api/setup lists keyNames)`);
    const expected = parseCrcHeader(req.headers['x-crc32']);
    const stored = await store.keys(dir);
    const others = [...stored].reduce((s, [n, size]) => s + (n === name ? 0 : size), 0) + (inFlight.get(clientId) ?? 0);
    const room = limits.clientKeyBytes - others;
    const limit = Math.min(limits.keyBytes, room);
    checkDeclaredLength(req, limits.keyBytes, `key "${name}"`);
    if (room < limits.keyBytes) checkDeclaredLength(req, room, `this client's keys (limit ${limits.clientKeyBytes} bytes)`);
    const check = new KeyUploadCheck(name, expected, info.fingerprint, limit);
    let counted = 0;
    const counting = {
      update: (c: Uint8Array) => {
        inFlight.set(clientId, (inFlight.get(clientId) ?? 0) + c.length);
        counted += c.length;
        try {
          check.update(c);
        } catch (e) {
          if (e instanceof ServiceError && e.status === 413 && limit < limits.keyBytes) throw tooLarge(`this client's keys`, limits.clientKeyBytes);
          throw e;
        }
      },
      finish: () => check.finish(),
    };
    try {
      await store.putKey(dir, name, req as AsyncIterable<Uint8Array>, counting);
    } finally {
      const left = (inFlight.get(clientId) ?? 0) - counted;
      if (left > 0) inFlight.set(clientId, left);
      else inFlight.delete(clientId);
    }
    queue.evict(clientId);
    sendJson(res, 201, { name, bytes: check.bytes });
  }

  async function submit(req: IncomingMessage, res: ServerResponse, clientId: string, kind: 'enrol' | 'verify' | 'identify', templateId?: string): Promise<void> {
    const dir = await store.client(clientId);
    let templates: string[] = [];
    let ids: string[] = [];
    if (kind === 'verify') templates = [await store.templatePath(dir, templateId!)];
    if (kind === 'identify') {
      ids = await store.templates(dir);
      if (ids.length === 0) throw new ServiceError(409, 'NO_TEMPLATES', 'this client has no templates to identify against');
      if (ids.length > info.galleryCapacity) throw new ServiceError(413, 'TOO_LARGE', `${ids.length} templates: one identification takes at most ${info.galleryCapacity}`);
      templates = await Promise.all(ids.map((t) => store.templatePath(dir, t)));
    }
    const missing = await missingKeys(dir);
    if (missing.length > 0) throw new ServiceError(409, 'MISSING_KEY', `evaluation keys missing: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}`);
    const probe = await readBody(req, limits.probeBytes, 'the probe');
    checkFaceMessage(probe, 'probe', info.model, info.fingerprint);
    const jobId = queue.submit({
      kind, clientId, keyDirectory: store.keyDirectory(dir), probe, templates,
      ...(kind === 'identify' ? { extra: { templateIds: ids } } : {}),
      complete: async (bytes): Promise<{ result: JsonValue; bytes?: Uint8Array }> => {
        if (kind !== 'enrol') return { result: { bytes: bytes.length }, bytes };
        const live = await store.client(clientId); // deleted meanwhile: 404, nothing stored
        return { result: { templateId: await store.writeTemplate(live, bytes) } };
      },
    });
    sendJson(res, 202, { jobId });
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    if (!path.startsWith('/api/')) {
      if (method !== 'GET' && method !== 'HEAD') throw new ServiceError(405, 'METHOD_NOT_ALLOWED', `${method} is not allowed here`, { Allow: 'GET, HEAD' });
      await serveStatic(root, req, res, path);
      return;
    }
    const parts = path.slice('/api/'.length).split('/');
    const allow = (methods: string) => {
      if (!methods.split(', ').includes(method)) throw new ServiceError(405, 'METHOD_NOT_ALLOWED', `${method} is not allowed on ${path}`, { Allow: methods });
    };
    const [a, b, c, d] = parts;
    if (a === 'setup' && parts.length === 1) {
      allow('GET');
      sendJson(res, 200, { model: info.model, preset: info.preset, setup: info.description, keyNames: info.keyNames, galleryCapacity: info.galleryCapacity, limits: { ...limits } });
    } else if (a === 'clients' && parts.length === 1) {
      allow('POST');
      sendJson(res, 201, { clientId: await store.createClient() });
    } else if (a === 'clients' && b !== undefined && parts.length === 2) {
      allow('GET, DELETE');
      if (method === 'DELETE') {
        await store.deleteClient(b);
        queue.evict(b);
        res.writeHead(204, securityHeaders).end();
        return;
      }
      const dir = await store.client(b);
      const stored = await store.keys(dir);
      sendJson(res, 200, {
        keys: { present: info.keyNames.filter((n) => stored.has(n)), missing: info.keyNames.filter((n) => !stored.has(n)), bytes: [...stored.values()].reduce((s, x) => s + x, 0) },
        templates: await store.templates(dir),
      });
    } else if (a === 'clients' && b !== undefined && c === 'keys' && d !== undefined && parts.length === 4) {
      allow('PUT');
      await putKey(req, res, b, d);
    } else if (a === 'clients' && b !== undefined && c === 'templates' && parts.length === 3) {
      allow('POST');
      await submit(req, res, b, 'enrol');
    } else if (a === 'clients' && b !== undefined && c === 'templates' && d !== undefined && parts.length === 4) {
      allow('GET, DELETE');
      const dir = await store.client(b);
      if (method === 'DELETE') {
        await store.deleteTemplate(dir, d);
        res.writeHead(204, securityHeaders).end();
        return;
      }
      sendBytes(res, await readFile(await store.templatePath(dir, d)));
    } else if (a === 'clients' && b !== undefined && c === 'verify' && d !== undefined && parts.length === 4) {
      allow('POST');
      await submit(req, res, b, 'verify', d);
    } else if (a === 'clients' && b !== undefined && c === 'identify' && parts.length === 3) {
      allow('POST');
      await submit(req, res, b, 'identify');
    } else if (a === 'jobs' && b !== undefined && parts.length === 2) {
      allow('GET');
      sendJson(res, 200, queue.status(b));
    } else if (a === 'jobs' && b !== undefined && c === 'result' && parts.length === 3) {
      allow('GET');
      sendBytes(res, queue.resultBytes(b));
    } else {
      throw new ServiceError(404, 'NOT_FOUND', `no endpoint ${method} ${path}`);
    }
  }

  return (req, res) => {
    route(req, res).catch((e: unknown) => sendError(res, e));
  };
}
