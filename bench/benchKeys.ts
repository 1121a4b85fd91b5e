/**
 * Key handling shared by the face benchmarks (bench:e2e, eval:encrypted), Node only. The key holder's evaluation-key
 * blobs go to a directory that the server then reads per phase (`directoryKeyStore`). With `keysDir` the blobs are
 * kept and reused by the next run, together with THIS BENCHMARK'S secret key (bench-secret-key.bin), so that
 * scores can be decrypted for diagnostics: never keep a secret key next to evaluation keys outside a benchmark.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeyGenerator } from '../src/ckks/scheme/keyGenerator.js';
import type { SecretKey } from '../src/ckks/scheme/keys.js';
import { deserializeSecretKey, serializeSecretKey } from '../src/ckks/serialization/index.js';
import type { FaceClient } from '../src/face/protocol/client.js';
import type { KeyBlobStore } from '../src/face/protocol/evaluationKeys.js';
import type { FaceSetup } from '../src/face/protocol/faceSetup.js';
import { directoryKeyStore } from '../src/cli/keyDirectory.js';

export const SECRET_FILE = 'bench-secret-key.bin';

/** The secret key stored in `keysDir` by an earlier run, or a fresh one. */
export function benchSecretKey(setup: FaceSetup, keysDir: string | undefined): SecretKey {
  const stored = keysDir === undefined ? undefined : join(keysDir, SECRET_FILE);
  return stored !== undefined && existsSync(stored) ? deserializeSecretKey(setup.context, readFileSync(stored)) : new KeyGenerator(setup.context).secretKey();
}

export interface BenchKeys {
  readonly dir: string;
  /** The key blobs (the secret key file hidden). */
  readonly store: KeyBlobStore;
  /** Bytes of all blobs as sent (seeded). */
  readonly bytes: number;
  /** Seconds to generate and write them (NaN when reused). */
  readonly seconds: number;
  readonly reused: boolean;
}

/**
 * Writes the client's evaluation keys to `keysDir` (kept) or a temporary directory (removed at exit), or reuses the
 * blobs of an earlier run in `keysDir` (generated with the secret key stored there: pass `benchSecretKey`'s key).
 */
export function benchKeyBlobs(client: FaceClient, sk: SecretKey, keysDir: string | undefined, log: (s: string) => void): BenchKeys {
  const dir = keysDir ?? mkdtempSync(join(tmpdir(), 'cryptoface-bench-'));
  const reused = keysDir !== undefined && existsSync(join(keysDir, SECRET_FILE));
  let bytes = 0;
  const t = performance.now();
  if (reused) {
    for (const name of readdirSync(dir)) if (name !== SECRET_FILE) bytes += statSync(join(dir, name)).size;
    log(`reusing the keys in ${dir} (${(bytes / 1e9).toFixed(2)} GB): key generation not measured`);
  } else {
    mkdirSync(dir, { recursive: true });
    for (const blob of client.evaluationKeys({ onKey: (d, total) => { if (d % 20 === 0 || d === total) log(`keys ${d}/${total}`); } })) {
      writeFileSync(join(dir, blob.name), blob.bytes);
      bytes += blob.bytes.length;
    }
    if (keysDir !== undefined) writeFileSync(join(dir, SECRET_FILE), serializeSecretKey(sk));
    else process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  const files = directoryKeyStore(dir);
  const store: KeyBlobStore = { names: () => files.names().filter((n) => n !== SECRET_FILE), read: (n) => files.read(n) };
  return { dir, store, bytes, seconds: reused ? Number.NaN : (performance.now() - t) / 1000, reused };
}
