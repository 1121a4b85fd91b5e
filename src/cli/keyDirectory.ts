/**
 * Evaluation key blobs in a directory, one file per key (Node only): a `KeyBlobStore` for `FaceServer.create`, which
 * then reads each key when a phase of the computation needs it instead of holding them all.
 *
 * A key blob at N = 2^16 is tens of megabytes and a pass reads ~150 of them: each `read` fills one scratch buffer
 * that is reused by the next read (it grows to the largest file), instead of allocating a fresh buffer per file
 * whose memory would only come back when the garbage collector runs. The bytes returned are therefore valid until
 * the next `read` — which is what the key parsers need (they copy what they keep).
 */
import { closeSync, fstatSync, openSync, readSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyBlobStore } from '../face/protocol/evaluationKeys.js';

/** `suffix`: the blob `name` is the file `name + suffix` (the HTTP service stores `<name>.bin`); other files are ignored. */
export function directoryKeyStore(dir: string, options: { suffix?: string } = {}): KeyBlobStore {
  const suffix = options.suffix ?? '';
  const names = readdirSync(dir) // temporary files of atomic writes start with '.'
    .filter((n) => !n.startsWith('.') && n.length > suffix.length && n.endsWith(suffix))
    .map((n) => n.slice(0, n.length - suffix.length));
  const known = new Set(names);
  let scratch = new Uint8Array(0);
  return {
    names: () => names,
    read: (name: string) => {
      if (!known.has(name)) throw new RangeError(`${dir}: no key file ${name}`);
      const fd = openSync(join(dir, name + suffix), 'r');
      try {
        const size = fstatSync(fd).size;
        if (size > scratch.length) scratch = new Uint8Array(size);
        let done = 0;
        while (done < size) {
          const n = readSync(fd, scratch, done, size - done, done);
          if (n === 0) throw new RangeError(`${dir}/${name}: the file shrank while it was read`);
          done += n;
        }
        return scratch.subarray(0, size);
      } finally {
        closeSync(fd);
      }
    },
  };
}
