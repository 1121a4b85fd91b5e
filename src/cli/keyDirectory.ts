/**
 * Evaluation key blobs in a directory, one file per key (Node only): a `KeyBlobStore` for `FaceServer.create`, which
 * then reads each key when a phase of the computation needs it instead of holding them all.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyBlobStore } from '../face/protocol/evaluationKeys.js';

export function directoryKeyStore(dir: string): KeyBlobStore {
  const names = readdirSync(dir).filter((n) => !n.startsWith('.')); // temporary files of atomic writes start with '.'
  const known = new Set(names);
  return {
    names: () => names,
    read: (name: string) => {
      if (!known.has(name)) throw new RangeError(`${dir}: no key file ${name}`);
      return readFileSync(join(dir, name));
    },
  };
}
