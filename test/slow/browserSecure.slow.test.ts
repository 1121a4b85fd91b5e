// SLOW (npm run test:slow, CKKS_SLOW=1): issue 16's secure bar — the HTTP service (`npm run serve`'s code, --preset
// secure: CRYPTOFACE_N16, N = 2^16, 128-bit, the trained CFNet4) and the browser page (web/) in headless Debian
// chromium, driven over the DevTools protocol (test/web/cdp.ts) exactly as test/web/browserClient.test.ts does at the
// insecure test preset: the page's worker generates the 149 evaluation keys and uploads them one at a time, enrols the
// bundled hopper.png, then verifies the bundled hopper-probe.png against that template. The verdict must equal the
// plaintext pipeline's (embedFace → normalizePoly → squared distance against τ, float64), and the plaintext margin
// must be wide enough that the encrypted score's error (≈ 1e-6, bench/results/e2e-*.md) cannot cross it.
// Prints the page's key line, each phase's seconds and the peak memory of the service and of the browser; saves a
// screenshot to out/browser-secure.png. Needs ≈ 14 GB and ~30 minutes on 2 cores; skipped without chromium.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadWeights } from '../../src/face/weights.js';
import { embedFace } from '../../src/face/model.js';
import { normalizePoly, squaredDistance } from '../../src/face/normalize.js';
import { decodeFaceCrop } from '../../src/face/io/faceCrop.js';
import { repositoryRoot, serverScript, startServer, type ServerProcess } from '../server/serverProcess.js';
import { Browser, chromiumPath } from '../web/cdp.js';
import { click, idle, pageState } from '../web/pageActions.js';

const chromium = chromiumPath();
/** `?threads=` for the page (CF_PAGE_THREADS); by default none, and the page runs N = 2^16 on one thread (web/clientWorker.js says why). */
const PAGE_THREADS = process.env['CF_PAGE_THREADS'];
const run = chromium === undefined ? describe.skip : describe;
const work = mkdtempSync(join(tmpdir(), 'cryptoface-web-secure-'));
let server: ServerProcess | undefined;
let browser: Browser | undefined;

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  rmSync(work, { recursive: true, force: true });
});

/** A process's resident memory from /proc (`VmHWM`: its peak, `VmRSS`: now), in bytes, or 0 when it is gone. */
function rss(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? 0 : Number(m[1]) * 1024;
  } catch {
    return 0;
  }
}

/** The largest peak (VmHWM) or current (VmRSS) resident memory among the chromium processes. */
function chromiumRss(field: 'VmHWM' | 'VmRSS'): number {
  let largest = 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (!readFileSync(`/proc/${d}/cmdline`, 'utf8').includes('chromium')) continue;
    } catch {
      continue;
    }
    largest = Math.max(largest, rss(Number(d), field));
  }
  return largest;
}

run('the service and the browser page at the secure preset (N = 2^16, trained CFNet4, bundled crops)', () => {
  it('keys generated and uploaded by the page, hopper.png enrolled, hopper-probe.png verified: the plaintext verdict', async () => {
    const weights = loadWeights(readFileSync(join(repositoryRoot, 'models/cfnet4/weights.json'), 'utf8'), readFileSync(join(repositoryRoot, 'models/cfnet4/weights.bin')));
    const crop = async (name: string) => (await decodeFaceCrop(readFileSync(join(repositoryRoot, 'assets/faces', name)), name)).rgb;
    const feature = async (name: string) => normalizePoly(embedFace(weights, await crop(name)), weights.normalization);
    const d = squaredDistance(await feature('hopper-probe.png'), await feature('hopper.png'));
    console.log(`secure browser run: plaintext d = ${d.toFixed(4)}, τ = ${weights.tau} → ${d < weights.tau ? 'match' : 'no match'}`);
    expect(Math.abs(d - weights.tau)).toBeGreaterThan(1e-3);

    const root = join(work, 'root');
    mkdirSync(root);
    symlinkSync(join(repositoryRoot, 'web'), join(root, 'web'));
    symlinkSync(join(repositoryRoot, 'models'), join(root, 'models'));
    symlinkSync(dirname(dirname(serverScript())), join(root, 'dist'));
    server = await startServer(['--data', join(work, 'data'), '--preset', 'secure', '--threads', '2', '--budget-gb', '1', '--root', root], 600_000);
    browser = Browser.launch(chromium ?? '/usr/bin/chromium');
    const page = await browser.newPage();
    const t0 = performance.now();
    // every 10 s: the page's progress texts and the largest chromium process, to stdout (a run takes half an hour)
    let peakBrowser = 0;
    const monitor = setInterval(() => {
      peakBrowser = Math.max(peakBrowser, chromiumRss('VmHWM'));
      void page.evaluate<string>(`[...document.querySelectorAll('.bars span')].map((e) => e.textContent).join(' | ')`).then((bars) => {
        process.stdout.write(`[${((performance.now() - t0) / 1000).toFixed(0)} s] browser RSS ${(chromiumRss('VmRSS') / 1e9).toFixed(2)} GB · ${bars}\n`);
      }, () => undefined);
    }, 10_000);
    try {
      await page.goto(`${server.base}/${PAGE_THREADS === undefined ? '' : `?threads=${PAGE_THREADS}`}`);
      await idle(page, 600_000, 'the model to load in the page', 1000);
      const loaded = performance.now();
      expect(await page.evaluate<string>(`document.getElementById('preset').textContent`)).not.toMatch(/INSECURE/);
      if (PAGE_THREADS === undefined) expect(await page.evaluate<string>(`document.getElementById('threads').textContent`)).toBe('1');
      await click(page, 'face-hopper');
      await click(page, 'enrol');
      await idle(page, 3_600_000, 'the enrolment (keys generated and uploaded, then the server enrols)', 1000);
      const enrolled = performance.now();
      const log = await page.evaluate<string[]>(`[...document.querySelectorAll('#log li')].map((li) => li.textContent)`);
      console.log(`secure browser run, the page's log:\n${log.join('\n')}`);
      await click(page, 'face-hopper-probe');
      await click(page, 'verify');
      await idle(page, 3_600_000, 'the verification', 1000);
      const verified = performance.now();
      const match = await page.evaluate<string>(`document.getElementById('verdict').dataset.match`);
      mkdirSync(join(repositoryRoot, 'out'), { recursive: true });
      writeFileSync(join(repositoryRoot, 'out', 'browser-secure.png'), await page.screenshot());
      const s = (a: number, b: number) => ((b - a) / 1000).toFixed(0);
      console.log(`secure browser run (s): page ready ${s(t0, loaded)}, keys + enrolment ${s(loaded, enrolled)}, verification ${s(enrolled, verified)}, `
        + `total ${s(t0, verified)}; verdict ${match}; peak RSS: service ${(rss(server.child.pid ?? 0, 'VmHWM') / 1e9).toFixed(2)} GB, `
        + `largest chromium process ${(Math.max(peakBrowser, chromiumRss('VmHWM')) / 1e9).toFixed(2)} GB`);
      expect(match).toBe(String(d < weights.tau));
      expect(page.errors).toEqual([]);
    } catch (e) {
      throw new Error(`${e instanceof Error ? e.message : String(e)}\nthe page shows:\n${await pageState(page)}\nthe service's stderr:\n${server.stderr()}`);
    } finally {
      clearInterval(monitor);
    }
  });
});
