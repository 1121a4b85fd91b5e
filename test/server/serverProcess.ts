// Test helper: the HTTP face service (src/server) as a child process, the way `npm run serve` runs it. Node cannot run
// the TypeScript sources, so src/ is transpiled (TypeScript's transpileModule, no type check, ~2 s) into a temporary
// directory named after a hash of the sources, once per source state (like test/support/workerScript.ts does for the
// thread pool's worker); the server then runs from there, its own worker threads included.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { join } from 'node:path';
import { transpiledSources } from '../support/transpiledSources.js';

export const repositoryRoot = join(import.meta.dirname, '..', '..');

let cached: string | undefined;

/** Path of server/main.js transpiled from the current sources. */
export function serverScript(): string {
  cached ??= join(transpiledSources(join(repositoryRoot, 'src'), 'server'), 'server', 'main.js');
  return cached;
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
