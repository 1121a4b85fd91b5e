/**
 * Node only (never imported by src/ckks, src/nn or src/face): gives the process a `globalThis.gc`, as
 * `node --expose-gc` would, so that the face server can ask for a collection at each phase boundary
 * (encryptedFaceServer.ts `collectGarbage`): at N = 2^16 a phase drops gigabytes of keys that JavaScript cannot free
 * explicitly, and without a collection between phases two phases' keys can be resident at once (measured: 14.3 GB
 * peak instead of ≈ 11). V8 flags are process-wide, so worker threads started afterwards get `gc` as well.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export function exposeGarbageCollector(): void {
  const g = globalThis as { gc?: unknown };
  if (typeof g.gc === 'function') return;
  setFlagsFromString('--expose-gc');
  const gc: unknown = runInNewContext('gc');
  if (typeof gc === 'function') g.gc = gc;
}
