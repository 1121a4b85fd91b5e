/**
 * The service's data directory (Node only; docs/server.md "Storage"):
 *
 *   <data>/clients/<clientId>/client.json              { "model": <model id>, "created": <ISO time> }
 *   <data>/clients/<clientId>/keys/<name>.bin          one evaluation-key blob per file, as uploaded
 *   <data>/clients/<clientId>/templates/<id>.cfms      one template message per file, as the worker computed it
 *
 * Every file appears by rename only: a blob streams into a temporary file beside its target (name starting with '.'),
 * is fsynced, renamed over the target, and the directory is fsynced (writeFileAtomic.ts does the same for buffers).
 * A client is born as `.new-<id>` with its manifest and renamed into place; it dies by a rename to `.deleted-<id>…`
 * before its files are removed. So a crash leaves only names starting with '.', which the listing never returns and
 * `open` removes at start-up: what was acknowledged (the rename happened before the answer) is there after a
 * restart, and a half-written file is never served.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../cli/writeFileAtomic.js';
import { ServiceError } from './envelopes.js';

const CLIENT_ID = /^[0-9a-f]{32}$/;
const TEMPLATE_ID = /^[0-9a-f]{24}$/;
const MANIFEST = 'client.json';
/** Bytes read and discarded after a refusal, so that the sender gets the answer (docs/server.md). */
export const DRAIN_BYTES = 64 << 20;

const notFound = (what: string) => new ServiceError(404, 'NOT_FOUND', `no such ${what}`);

/** fsync a directory so that a rename inside it survives a crash (where directories can be opened: not Windows). */
async function syncDirectory(dir: string): Promise<void> {
  const d = await open(dir, 'r').catch(() => undefined);
  if (d !== undefined) await d.sync().catch(() => undefined).finally(() => d.close());
}

export class DataStore {
  private constructor(readonly root: string, private readonly model: string) {}

  /** Opens (creating if needed) the data directory and removes what a crash left behind (names starting with '.'). */
  static async open(root: string, model: string): Promise<DataStore> {
    const clients = join(root, 'clients');
    await mkdir(clients, { recursive: true });
    for (const name of await readdir(clients)) {
      const dir = join(clients, name);
      if (name.startsWith('.')) {
        await rm(dir, { recursive: true, force: true });
        continue;
      }
      for (const sub of ['keys', 'templates']) {
        for (const f of await readdir(join(dir, sub)).catch(() => [] as string[])) {
          if (f.startsWith('.')) await rm(join(dir, sub, f), { force: true });
        }
      }
    }
    return new DataStore(root, model);
  }

  private clientDir(id: string): string {
    return join(this.root, 'clients', id);
  }

  /** A new client directory (manifest first, then renamed into place); returns its id. */
  async createClient(): Promise<string> {
    const id = randomBytes(16).toString('hex');
    const staging = join(this.root, 'clients', `.new-${id}`);
    await mkdir(join(staging, 'keys'), { recursive: true });
    await mkdir(join(staging, 'templates'));
    await writeFileAtomic(join(staging, MANIFEST), new TextEncoder().encode(`${JSON.stringify({ model: this.model, created: new Date().toISOString() })}\n`));
    await rename(staging, this.clientDir(id));
    await syncDirectory(join(this.root, 'clients'));
    return id;
  }

  /** The client's directory, or 404 (unknown id) / 409 (enrolled under another model than the one this server runs). */
  async client(id: string): Promise<string> {
    if (!CLIENT_ID.test(id)) throw notFound('client');
    const dir = this.clientDir(id);
    let manifest: { model?: unknown };
    try {
      manifest = JSON.parse(await readFile(join(dir, MANIFEST), 'utf8')) as { model?: unknown };
    } catch {
      throw notFound('client');
    }
    if (manifest.model !== this.model) throw new ServiceError(409, 'INCOMPATIBLE_PARAMETERS', 'this client\'s keys and templates were stored for another model or parameter set');
    return dir;
  }

  keyDirectory(clientDir: string): string {
    return join(clientDir, 'keys');
  }

  /** Names of the stored key blobs and their sizes. */
  async keys(clientDir: string): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const dir = this.keyDirectory(clientDir);
    for (const f of await readdir(dir)) {
      if (f.startsWith('.') || !f.endsWith('.bin')) continue;
      const s = await stat(join(dir, f)).catch(() => undefined);
      if (s !== undefined) out.set(f.slice(0, -4), s.size);
    }
    return out;
  }

  /**
   * Streams a key blob into place: `chunks` are written to a temporary file as they come (`check` sees each first and
   * may throw), `finish` runs after the last, then fsync and rename. On any failure the temporary file is removed.
   */
  async putKey(clientDir: string, name: string, chunks: AsyncIterable<Uint8Array>, check: { update(c: Uint8Array): void; finish(): void }): Promise<void> {
    const dir = this.keyDirectory(clientDir);
    const tmp = join(dir, `.${name}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
    const handle = await open(tmp, 'wx', 0o644);
    let closed = false;
    try {
      // a refusal while the body streams (over a limit) is thrown once the body has been read to its end, so that
      // the client, still sending, gets the answer (leaving the loop early would reset the connection) — up to
      // DRAIN_BYTES more; past that the connection is dropped
      let refusal: unknown;
      let drained = 0;
      for await (const chunk of chunks) {
        if (refusal !== undefined) {
          drained += chunk.length;
          if (drained > DRAIN_BYTES) break;
          continue;
        }
        try {
          check.update(chunk);
        } catch (e) {
          refusal = e;
          continue;
        }
        await handle.write(chunk);
      }
      if (refusal !== undefined) throw refusal;
      check.finish();
      await handle.sync();
      await handle.close();
      closed = true;
      await rename(tmp, join(dir, `${name}.bin`));
      await syncDirectory(dir);
    } catch (e) {
      if (!closed) await handle.close().catch(() => undefined);
      await rm(tmp, { force: true }).catch(() => undefined);
      throw e;
    }
  }

  private templateDirectory(clientDir: string): string {
    return join(clientDir, 'templates');
  }

  /** Template ids, sorted (the gallery order of an identification). */
  async templates(clientDir: string): Promise<string[]> {
    const files = await readdir(this.templateDirectory(clientDir));
    return files.filter((f) => !f.startsWith('.') && f.endsWith('.cfms')).map((f) => f.slice(0, -5)).filter((t) => TEMPLATE_ID.test(t)).sort();
  }

  /** The file of an existing template, or 404. */
  async templatePath(clientDir: string, templateId: string): Promise<string> {
    if (!TEMPLATE_ID.test(templateId)) throw notFound('template');
    const path = join(this.templateDirectory(clientDir), `${templateId}.cfms`);
    if (!(await stat(path).then((s) => s.isFile(), () => false))) throw notFound('template');
    return path;
  }

  /** Stores a template crash-safely; returns its id (time-ordered: enrolment order is the sort order). */
  async writeTemplate(clientDir: string, bytes: Uint8Array): Promise<string> {
    const id = `${Date.now().toString(16).padStart(12, '0')}${randomBytes(6).toString('hex')}`;
    await writeFileAtomic(join(this.templateDirectory(clientDir), `${id}.cfms`), bytes);
    return id;
  }

  async deleteTemplate(clientDir: string, templateId: string): Promise<void> {
    const path = await this.templatePath(clientDir, templateId);
    await rm(path);
    await syncDirectory(this.templateDirectory(clientDir));
  }

  /** Removes a client: renamed out of the listing first (atomic), then its files. */
  async deleteClient(id: string): Promise<void> {
    const dir = await this.client(id).catch(async (e: unknown) => {
      // a client of another model can still be deleted
      if (e instanceof ServiceError && e.status === 409) return this.clientDir(id);
      throw e;
    });
    const grave = join(this.root, 'clients', `.deleted-${id}-${randomBytes(4).toString('hex')}`);
    await rename(dir, grave);
    await syncDirectory(join(this.root, 'clients'));
    await rm(grave, { recursive: true, force: true });
  }
}
