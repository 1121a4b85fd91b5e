// Tests run the library from its TypeScript sources (vitest), but Node cannot start a worker thread or a child
// process from a .ts file. This transpiles a source tree (TypeScript's transpileModule: no type check, ~1–2 s) into a
// temporary directory named after a hash of the sources, once per source state: `src/a/b.ts` becomes `<dir>/a/b.js`
// for every .ts file under `sourceDir` (a directory inside src/). Used for the thread pool's worker
// (workerScript.ts) and the HTTP service (test/server/serverProcess.ts), so both run the code under test.
import ts from 'typescript';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';

const srcRoot = join(import.meta.dirname, '..', '..', 'src');

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...tsFiles(p));
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** The transpiled copy of `sourceDir` (absolute, inside src/); `label` names the temporary directory. */
export function transpiledSources(sourceDir: string, label: string): string {
  const files = tsFiles(sourceDir);
  const hash = createHash('sha256');
  const texts = files.map((f) => {
    const text = readFileSync(f, 'utf8');
    hash.update(relative(sourceDir, f)).update('\0').update(text).update('\0');
    return text;
  });
  const dir = join(tmpdir(), `cryptoface-${label}-${hash.digest('hex').slice(0, 20)}`);
  const done = join(dir, 'package.json');
  if (!existsSync(done)) {
    const staging = `${dir}.${process.pid}.${Date.now()}`;
    files.forEach((f, i) => {
      const out = join(staging, relative(srcRoot, f).replace(/\.ts$/, '.js'));
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
      if (!existsSync(done)) throw new Error(`transpiledSources: could not create ${dir}`);
    }
  }
  return dir;
}
