// A runnable ThreadPool worker for tests, which run the library from its TypeScript sources (vitest): Node cannot
// start a worker from a .ts file, so src/ckks is transpiled (TypeScript's transpileModule, no type check, ~1 s) into
// a temporary directory named after a hash of the sources, once per source state, and the tests pass its
// ckks/parallel/worker.js as `workerUrl`. The workers thus run the same code as the calling thread (docs/threads.md).
import ts from 'typescript';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = join(import.meta.dirname, '..', '..');
const sourceRoot = join(root, 'src', 'ckks');

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...tsFiles(p));
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

let cached: URL | undefined;

/** file: URL of ckks/parallel/worker.js transpiled from the current sources. */
export function workerUrl(): URL {
  if (cached !== undefined) return cached;
  const files = tsFiles(sourceRoot);
  const hash = createHash('sha256');
  const texts = files.map((f) => {
    const text = readFileSync(f, 'utf8');
    hash.update(relative(sourceRoot, f)).update('\0').update(text).update('\0');
    return text;
  });
  const dir = join(tmpdir(), `cryptoface-worker-${hash.digest('hex').slice(0, 20)}`);
  const entry = join(dir, 'ckks', 'parallel', 'worker.js');
  if (!existsSync(entry)) {
    const staging = `${dir}.${process.pid}.${Date.now()}`;
    files.forEach((f, i) => {
      const out = join(staging, 'ckks', relative(sourceRoot, f).replace(/\.ts$/, '.js'));
      mkdirSync(dirname(out), { recursive: true });
      const js = ts.transpileModule(texts[i]!, {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
        fileName: f,
      }).outputText;
      writeFileSync(out, js);
    });
    writeFileSync(join(staging, 'package.json'), '{ "type": "module" }\n');
    try {
      renameSync(staging, dir); // atomic: concurrent test files either win or find the finished directory
    } catch {
      rmSync(staging, { recursive: true, force: true });
      if (!existsSync(entry)) throw new Error(`workerScript: could not create ${dir}`);
    }
  }
  cached = pathToFileURL(entry);
  return cached;
}
