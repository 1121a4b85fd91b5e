// A small Chrome DevTools Protocol client for the browser tests: starts Debian's `chromium` headless with
// `--remote-debugging-pipe` (the protocol as NUL-terminated JSON messages on file descriptors 3 (to the browser)
// and 4 (from it), so no WebSocket is needed: Node 20 has none without a flag) and speaks the flat-session form of
// the protocol (Target.attachToTarget with flatten: one connection, a `sessionId` on every page-level message).
// Only what the tests use: open a page, evaluate script, wait for a condition, take a screenshot, collect the
// console and uncaught exceptions.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

/** Where Debian installs the browser (`apt-get install chromium`); CHROMIUM overrides it. */
export function chromiumPath(): string | undefined {
  const candidates = [process.env['CHROMIUM'], '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  return candidates.find((p): p is string => p !== undefined && p !== '' && existsSync(p));
}

type Json = Record<string, unknown>;
interface Pending { resolve: (v: Json) => void; reject: (e: Error) => void; method: string }

export class Browser {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(method: string, params: Json, sessionId: string | undefined) => void>();
  private buffered = '';
  private exited = false;

  private constructor(private readonly child: ChildProcess, private readonly profile: string, private readonly out: Writable) {
    const input = child.stdio[4] as Readable;
    input.setEncoding('utf8');
    input.on('data', (chunk: string) => this.receive(chunk));
    child.on('exit', () => {
      this.exited = true;
      for (const p of this.pending.values()) p.reject(new Error(`chromium exited while waiting for ${p.method}`));
      this.pending.clear();
    });
  }

  /** Starts headless chromium (root in CI: no sandbox) with a throw-away profile. */
  static launch(executable: string, options: { width?: number; height?: number } = {}): Browser {
    const profile = mkdtempSync(join(tmpdir(), 'cryptoface-chromium-'));
    const args = [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--no-default-browser-check',
      '--disable-extensions', '--disable-background-networking', '--disable-component-update', '--mute-audio',
      `--window-size=${options.width ?? 1000},${options.height ?? 1200}`, `--user-data-dir=${profile}`, '--remote-debugging-pipe', 'about:blank',
    ];
    const child = spawn(executable, args, { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
    child.stderr?.resume(); // chromium is chatty on stderr; keep the pipe drained
    return new Browser(child, profile, child.stdio[3] as Writable);
  }

  private receive(chunk: string): void {
    this.buffered += chunk;
    let end: number;
    while ((end = this.buffered.indexOf('\0')) >= 0) {
      const text = this.buffered.slice(0, end);
      this.buffered = this.buffered.slice(end + 1);
      const m = JSON.parse(text) as { id?: number; result?: Json; error?: { message: string }; method?: string; params?: Json; sessionId?: string };
      if (m.id !== undefined) {
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        if (p === undefined) continue;
        if (m.error !== undefined) p.reject(new Error(`${p.method}: ${m.error.message}`));
        else p.resolve(m.result ?? {});
      } else if (m.method !== undefined) {
        for (const l of this.listeners) l(m.method, m.params ?? {}, m.sessionId);
      }
    }
  }

  /** One protocol command (browser-level, or page-level with `sessionId`). */
  send(method: string, params: Json = {}, sessionId?: string): Promise<Json> {
    if (this.exited) return Promise.reject(new Error(`chromium has exited (${method})`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, method });
      this.out.write(JSON.stringify({ id, method, params, ...(sessionId === undefined ? {} : { sessionId }) }) + '\0');
    });
  }

  on(listener: (method: string, params: Json, sessionId: string | undefined) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A new tab, attached, with Runtime and Page events on; console lines and uncaught exceptions are collected. */
  async newPage(): Promise<Page> {
    const { targetId } = await this.send('Target.createTarget', { url: 'about:blank' }) as { targetId: string };
    const { sessionId } = await this.send('Target.attachToTarget', { targetId, flatten: true }) as { sessionId: string };
    const page = new Page(this, sessionId);
    await page.send('Page.enable');
    await page.send('Runtime.enable');
    return page;
  }

  /** Closes the browser (politely, then SIGKILL after 5 s) and removes its profile. */
  async close(): Promise<void> {
    if (!this.exited) {
      const gone = new Promise<void>((r) => this.child.once('exit', () => r()));
      this.send('Browser.close').catch(() => undefined);
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(timer);
    }
    rmSync(this.profile, { recursive: true, force: true });
  }
}

export class Page {
  /** Console messages (`type: text`) and uncaught exceptions, in order. */
  readonly log: string[] = [];
  readonly errors: string[] = [];

  constructor(private readonly browser: Browser, readonly sessionId: string) {
    browser.on((method, params, sid) => {
      if (sid !== sessionId) return;
      if (method === 'Runtime.consoleAPICalled') {
        const args = (params['args'] as { value?: unknown; description?: string }[] | undefined) ?? [];
        this.log.push(`${String(params['type'])}: ${args.map((a) => a.value !== undefined ? String(a.value) : a.description ?? '').join(' ')}`);
      } else if (method === 'Runtime.exceptionThrown') {
        const d = params['exceptionDetails'] as { text?: string; exception?: { description?: string } } | undefined;
        this.errors.push(d?.exception?.description ?? d?.text ?? 'unknown exception');
      }
    });
  }

  send(method: string, params: Json = {}): Promise<Json> {
    return this.browser.send(method, params, this.sessionId);
  }

  /** Navigates and resolves when the load event fired. */
  async goto(url: string, timeoutMs = 30_000): Promise<void> {
    let off = (): void => undefined;
    const loaded = new Promise<void>((resolve) => {
      off = this.browser.on((method, _p, sid) => { if (sid === this.sessionId && method === 'Page.loadEventFired') resolve(); });
    });
    try {
      const r = await this.send('Page.navigate', { url }) as { errorText?: string };
      if (r.errorText !== undefined) throw new Error(`navigation to ${url} failed: ${r.errorText}`);
      await withTimeout(loaded, timeoutMs, `load of ${url}`);
    } finally {
      off();
    }
  }

  /** Evaluates an expression in the page (promises awaited) and returns its JSON value; page exceptions reject. */
  async evaluate<T>(expression: string): Promise<T> {
    const r = await this.send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true }) as {
      result: { value?: unknown }; exceptionDetails?: { text?: string; exception?: { description?: string } };
    };
    if (r.exceptionDetails !== undefined) throw new Error(`in the page: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text ?? 'exception'}`);
    return r.result.value as T;
  }

  /** Polls `expression` every `everyMs` until it is truthy; returns its value. */
  async waitFor<T>(expression: string, timeoutMs: number, what: string, everyMs = 100): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await this.evaluate<T>(expression);
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }

  /** A PNG of the whole page. */
  async screenshot(): Promise<Uint8Array> {
    const { data } = await this.send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true }) as { data: string };
    return new Uint8Array(Buffer.from(data, 'base64'));
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms); });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
