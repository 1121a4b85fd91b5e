// A runnable ThreadPool worker for tests, which run the library from its TypeScript sources (vitest): Node cannot
// start a worker from a .ts file, so src/ckks is transpiled (TypeScript's transpileModule, no type check, ~1 s) into
// a temporary directory named after a hash of the sources, once per source state, and the tests pass its
// ckks/parallel/worker.js as `workerUrl`. The workers thus run the same code as the calling thread (docs/threads.md).
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { transpiledSources } from './transpiledSources.js';

let cached: URL | undefined;

/** file: URL of ckks/parallel/worker.js transpiled from the current sources. */
export function workerUrl(): URL {
  cached ??= pathToFileURL(join(transpiledSources(join(import.meta.dirname, '..', '..', 'src', 'ckks'), 'worker'), 'ckks', 'parallel', 'worker.js'));
  return cached;
}
