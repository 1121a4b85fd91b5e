/**
 * Atomic file replacement for the command-line tool (Node only: never imported by src/ckks, src/nn or
 * src/face, which run in browsers too). The bytes go to a temporary file in the target's directory, are
 * flushed with fsync, and the temporary file is renamed over the target: a reader sees the old file or the
 * complete new one, never a half-written file, and a failed write leaves the target untouched.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Writes `bytes` to `path` atomically (temporary file in the same directory, fsync, rename). */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  if (typeof path !== 'string' || path.length === 0) throw new TypeError('writeFileAtomic: path must be a non-empty string');
  if (!(bytes instanceof Uint8Array)) throw new TypeError('writeFileAtomic: bytes must be a Uint8Array');
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let handle;
  try {
    handle = await open(tmp, 'wx', 0o644); // 'wx': never follow or reuse an existing file
    await handle.writeFile(bytes);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(tmp, path);
  } catch (e) {
    await handle?.close().catch(() => undefined);
    await rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
  // Make the rename itself durable where directories can be opened and synced (not on Windows).
  const d = await open(dir, 'r').catch(() => undefined);
  if (d !== undefined) await d.sync().catch(() => undefined).finally(() => d.close());
}
