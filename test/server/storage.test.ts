// The service's data directory (src/server/storage.ts): what a crash can leave behind (a client being created or
// deleted, temporary files of key uploads and template writes) is never listed and is removed at start-up; a client
// stored under another model is refused with 409 (and can still be deleted); streamed key writes land whole or not at
// all; ids that are not ours are 404s before any path is built from them.
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServiceError } from '../../src/server/envelopes.js';
import { DataStore } from '../../src/server/storage.js';

const root = mkdtempSync(join(tmpdir(), 'cryptoface-store-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const status = async (p: Promise<unknown>): Promise<string> => p.then(() => 'ok', (e: unknown) => {
  if (e instanceof ServiceError) return `${e.status} ${e.code}`;
  throw e;
});

async function* chunks(...parts: Uint8Array[]): AsyncIterable<Uint8Array> {
  for (const p of parts) yield p;
}

const accept = { update: () => undefined, finish: () => undefined };

describe('data directory (storage.ts)', () => {
  it('create, list, store, delete; leftovers of a crash are not listed and are removed at start-up', async () => {
    const store = await DataStore.open(root, 'm1');
    const id = await store.createClient();
    const dir = await store.client(id);
    await store.putKey(dir, 'public', chunks(Uint8Array.of(1, 2), Uint8Array.of(3)), accept);
    const t = await store.writeTemplate(dir, Uint8Array.of(9, 9));
    expect([...await store.keys(dir)]).toEqual([['public', 3]]);
    expect(await store.templates(dir)).toEqual([t]);
    expect(readFileSync(await store.templatePath(dir, t))).toEqual(Buffer.from([9, 9]));
    // what a crash leaves: a client half created, one half deleted, temporary files of an upload and a template
    const clients = join(root, 'clients');
    mkdirSync(join(clients, `.new-${'a'.repeat(32)}`, 'keys'), { recursive: true });
    mkdirSync(join(clients, `.deleted-${'b'.repeat(32)}-0000`, 'templates'), { recursive: true });
    writeFileSync(join(dir, 'keys', '.galois-5.123.abc.tmp'), 'half');
    writeFileSync(join(dir, 'templates', `.${t}.cfms.123.abc.tmp`), 'half');
    expect([...(await store.keys(dir)).keys()]).toEqual(['public']);
    expect(await store.templates(dir)).toEqual([t]);
    await DataStore.open(root, 'm1');
    expect(readdirSync(clients)).toEqual([id]);
    expect(readdirSync(join(dir, 'keys'))).toEqual(['public.bin']);
    expect(readdirSync(join(dir, 'templates'))).toEqual([`${t}.cfms`]);
    await store.deleteTemplate(dir, t);
    expect(await status(store.templatePath(dir, t))).toBe('404 NOT_FOUND');
    await store.deleteClient(id);
    expect(await status(store.client(id))).toBe('404 NOT_FOUND');
    expect(readdirSync(clients)).toEqual([]);
  });

  it('a refused or interrupted key write leaves the stored key as it was and no temporary file', async () => {
    const store = await DataStore.open(root, 'm1');
    const dir = await store.client(await store.createClient());
    await store.putKey(dir, 'public', chunks(Uint8Array.of(1)), accept);
    const refuse = { update: () => undefined, finish: () => { throw new ServiceError(400, 'CORRUPT_INPUT', 'bad'); } };
    expect(await status(store.putKey(dir, 'public', chunks(Uint8Array.of(5, 5)), refuse))).toBe('400 CORRUPT_INPUT');
    async function* broken(): AsyncIterable<Uint8Array> {
      yield Uint8Array.of(7);
      throw new Error('aborted');
    }
    await expect(store.putKey(dir, 'public', broken(), accept)).rejects.toThrow('aborted');
    expect(readdirSync(join(dir, 'keys'))).toEqual(['public.bin']);
    expect(readFileSync(join(dir, 'keys', 'public.bin'))).toEqual(Buffer.from([1]));
  });

  it('a client of another model: 409, still deletable; ids that are not ours: 404', async () => {
    const old = await DataStore.open(root, 'model-a');
    const id = await old.createClient();
    const now = await DataStore.open(root, 'model-b');
    expect(await status(now.client(id))).toBe('409 INCOMPATIBLE_PARAMETERS');
    await now.deleteClient(id);
    expect(existsSync(join(root, 'clients', id))).toBe(false);
    for (const bad of ['..', '../x', 'A'.repeat(32), 'a'.repeat(31), `.new-${'a'.repeat(32)}`]) expect(await status(now.client(bad)), bad).toBe('404 NOT_FOUND');
    const dir = await now.client(await now.createClient());
    for (const bad of ['..', '0'.repeat(23), '../../client']) expect(await status(now.templatePath(dir, bad)), bad).toBe('404 NOT_FOUND');
  });
});
