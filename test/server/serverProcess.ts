// Test helper: the HTTP face service (src/server) as a child process, the way `npm run serve` runs it. Node cannot run
// the TypeScript sources, so src/ is transpiled (TypeScript's transpileModule, no type check, ~2 s) into a temporary
// directory named after a hash of the sources, once per source state (like test/support/workerScript.ts does for the
// thread pool's worker); the server then runs from there, its own worker threads included.
import ts from 'typescript';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';

export const repositoryRoot = join(import.meta.dirname, '..', '..');
const sourceRoot = join(repositoryRoot, 'src');

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...tsFiles(p));
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

let cached: string | undefined;

/** Path of server/main.js transpiled from the current sources. */
export function serverScript(): string {
  if (cached !== undefined) return cached;
  const files = tsFiles(sourceRoot);
  const hash = createHash('sha256');
  const texts = files.map((f) => {
    const text = readFileSync(f, 'utf8');
    hash.update(relative(sourceRoot, f)).update('\0').update(text).update('\0');
    return text;
  });
  const dir = join(tmpdir(), `cryptoface-server-${hash.digest('hex').slice(0, 20)}`);
  const entry = join(dir, 'server', 'main.js');
  if (!existsSync(entry)) {
    const staging = `${dir}.${process.pid}.${Date.now()}`;
    files.forEach((f, i) => {
      const out = join(staging, relative(sourceRoot, f).replace(/\.ts$/, '.js'));
      mkdirSync(dirname(out), { recursive: true });
      const js = ts.transpileModule(texts[i]!, {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
        fileName: f,
      }).outputText;
      writeFileSync(out, js);
    });
    writeFileSync(join(staging, 'package.json'), '{ "type": "module" }\n');
    try {
      renameSync(staging, dir);
    } catch {
      rmSync(staging, { recursive: true, force: true });
      if (!existsSync(entry)) throw new Error(`serverProcess: could not create ${dir}`);
    }
  }
  cached = entry;
  return entry;
}

export interface ServerProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly base: string;
  /** Everything the server wrote to stderr so far. */
  stderr(): string;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
}

/** Starts the service with `args` (plus --port 0) and resolves once it prints its listening line. */
export function startServer(args: readonly string[], timeoutMs = 60_000): Promise<ServerProcess> {
  const child = spawn(process.execPath, [serverScript(), '--port', '0', ...args], { stdio: 'pipe' });
  let err = '';
  let out = '';
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the server did not start within ${timeoutMs} ms:\n${err}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited with code ${code} before listening:\n${err}`));
    });
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)\n/.exec(out);
      if (m === null) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve({
        child, base: m[1]!, stderr: () => err,
        stop: () => new Promise<void>((done) => {
          if (child.exitCode !== null || child.signalCode !== null) return done();
          child.once('exit', () => done());
          child.kill('SIGTERM');
        }),
      });
    });
  });
}
