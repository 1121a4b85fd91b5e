// The browser client (web/, docs/browser-client.md) in a real browser: Debian's `chromium`, headless, driven over the
// DevTools protocol (cdp.ts), against the real HTTP service (src/server) started with the INSECURE test preset (the
// reduced random network at N = 2^11, src/face/testing/insecureTestPreset.ts). Through the page, as a user would:
// tick "keep my key", choose the bundled hopper.png and enrol it (the page's worker generates the keys and uploads them
// one at a time), verify a genuine probe dropped in through the file input (hopper-probe.png: decoded by the page's
// PNG codec) and an impostor (the preset's synthetic input "bob"), and compare both verdicts with the plaintext
// pipeline (insecureTestPreset().distance against τ; the pairs have margins ≥ 0.05, which the encrypted score's
// error, ≈ 1e-7 in test/face/protocol.test.ts, cannot cross). Then reload: the key kept in IndexedDB brings the
// template back; delete: the service forgets the client. A screenshot goes to out/browser-client.png.
//
// Why "bob" and not a second bundled face: the reduced network has random weights and recognises nobody — it maps
// every natural 112×112 crop within d < 1e-4 of every other (all "match"), so only the preset's synthetic inputs give
// an impostor. The network, the keys and the protocol are the real ones.
//
// The page loads the library as /lib/…: the service maps that to <root>/dist. Here root is a temporary directory whose
// dist/ is the current src/ transpiled (serverProcess.ts, the same files the service runs), so the page always runs the
// code under test, never a stale build; web/ and models/ are linked from the repository.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { insecureTestPreset } from '../../src/face/testing/insecureTestPreset.js';
import { decodeFaceCrop } from '../../src/face/io/faceCrop.js';
import { decodePng, encodePng } from '../../src/face/io/png.js';
import { repositoryRoot, serverScript, startServer, type ServerProcess } from '../server/serverProcess.js';
import { Browser, chromiumPath, type Page } from './cdp.js';
import { click, idle } from './pageActions.js';

const chromium = chromiumPath();
// CI installs chromium (.ci/run); a developer machine without it skips this file (and says so)
const run = chromium !== undefined || process.env['CI'] === 'true' ? describe : describe.skip;
if (chromium === undefined) console.warn('browser client test: no chromium at /usr/bin/chromium (apt-get install chromium); skipped');

const preset = insecureTestPreset();
const tau = preset.weights.tau;
const crop = async (file: string) => (await decodeFaceCrop(readFileSync(join(repositoryRoot, 'assets', 'faces', file)), file)).rgb;

run('browser client in headless chromium against the HTTP service (test preset: reduced network, N = 2^11, INSECURE)', () => {
  const work = mkdtempSync(join(tmpdir(), 'cryptoface-web-'));
  let server: ServerProcess;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    if (chromium === undefined) throw new Error('no chromium at /usr/bin/chromium: .ci/run installs it with apt-get install chromium');
    const root = join(work, 'root');
    mkdirSync(root);
    symlinkSync(join(repositoryRoot, 'web'), join(root, 'web'));
    symlinkSync(join(repositoryRoot, 'models'), join(root, 'models'));
    symlinkSync(dirname(dirname(serverScript())), join(root, 'dist')); // <tmp>/server/main.js → <tmp>: ckks/, nn/, face/
    server = await startServer(['--data', join(work, 'data'), '--preset', 'test', '--root', root]);
    browser = Browser.launch(chromium ?? '/usr/bin/chromium');
    page = await browser.newPage();
  });

  afterAll(async () => {
    if (page !== undefined && page.log.length > 0) console.log(`browser test, the page's console:\n${page.log.join('\n')}`);
    await browser?.close();
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('enrols a bundled face, verifies a dropped-in genuine probe and an impostor: the plaintext verdicts; keeps the key only when asked', async () => {
    const t0 = performance.now();
    // the plaintext pipeline's verdicts, and margins the encrypted scores cannot cross
    const [hopper, hopperProbe] = [preset.patchesFromCrop(await crop('hopper.png')), preset.patchesFromCrop(await crop('hopper-probe.png'))];
    const dGenuine = preset.distance(hopper, hopperProbe), dImpostor = preset.distance(hopper, preset.faces.bob);
    console.log(`browser test pairs (plaintext): genuine d = ${dGenuine.toExponential(2)}, impostor d = ${dImpostor.toFixed(4)}, τ = ${tau.toFixed(4)}`);
    expect(Math.abs(dGenuine - tau)).toBeGreaterThan(0.05);
    expect(Math.abs(dImpostor - tau)).toBeGreaterThan(0.05);
    const expectGenuine = dGenuine < tau, expectImpostor = dImpostor < tau;
    expect([expectGenuine, expectImpostor]).toEqual([true, false]); // one of each: a page that always says "match" fails

    await page.goto(`${server.base}/?threads=2`);
    await idle(page, 60_000, 'the model to load in the page');
    const loaded = performance.now();
    // served with COOP/COEP, so the worker may use threads; the page says which preset runs
    expect(await page.evaluate<boolean>('crossOriginIsolated')).toBe(true);
    expect(await page.evaluate<string>(`document.getElementById('threads').textContent`)).toBe('2');
    expect(await page.evaluate<string>(`document.getElementById('preset').textContent`)).toMatch(/^test \(INSECURE/);
    const setup = await (await fetch(`${server.base}/api/setup`)).json() as { model: string; keyNames: string[] };
    expect(await page.evaluate<string>(`document.getElementById('model-id').textContent`)).toBe(setup.model);

    // enrol hopper.png, keeping the key in IndexedDB
    await click(page, 'persist');
    await idle(page, 10_000, 'the persist choice');
    await click(page, 'face-hopper');
    await click(page, 'enrol');
    await idle(page, 180_000, 'the enrolment (keys generated and uploaded, then the server enrols)');
    const enrolled = performance.now();
    const log = await page.evaluate<string[]>(`[...document.querySelectorAll('#log li')].map((li) => li.textContent)`);
    const clientId = /registered as client ([0-9a-f]+)/.exec(log.join('\n'))?.[1];
    expect(clientId).toBeDefined();
    const keyLine = log.find((l) => l.includes('evaluation keys:'));
    console.log(`browser test: ${keyLine}`);
    expect(keyLine).toContain(`${setup.keyNames.length} generated, ${setup.keyNames.length} uploaded`);
    expect(await page.evaluate<string>(`document.getElementById('text-upload').textContent`)).toMatch(new RegExp(`^${setup.keyNames.length} keys, [0-9.]+ MB uploaded in [0-9.]+ s`));
    // the service holds every planned key and one template
    const status = await (await fetch(`${server.base}/api/clients/${clientId}`)).json() as { keys: { missing: string[]; present: string[] }; templates: string[] };
    expect(status.keys.missing).toEqual([]);
    expect(status.keys.present.length).toBe(setup.keyNames.length);
    expect(status.templates.length).toBe(1);
    expect(await page.evaluate<string>(`document.getElementById('templates').value`)).toBe(status.templates[0]);

    // genuine: hopper-probe.png dropped in through the file input (decoded by the page's PNG codec)
    const input = await page.send('Runtime.evaluate', { expression: `document.getElementById('crop-file')` }) as { result: { objectId: string } };
    await page.send('DOM.setFileInputFiles', { files: [join(repositoryRoot, 'assets', 'faces', 'hopper-probe.png')], objectId: input.result.objectId });
    await page.waitFor<boolean>(`document.querySelector('input[name=face]:checked')?.id.startsWith('face-dropped') === true`, 10_000, 'the dropped file to be chosen');
    await click(page, 'verify');
    await idle(page, 120_000, 'the genuine verification');
    const genuine = await page.evaluate<string>(`document.getElementById('verdict').dataset.match`);
    // impostor: the preset's synthetic input "bob"
    await click(page, 'face-test-bob');
    await click(page, 'verify');
    await idle(page, 120_000, 'the impostor verification');
    const impostor = await page.evaluate<string>(`document.getElementById('verdict').dataset.match`);
    const verdictText = await page.evaluate<string>(`document.getElementById('verdict').textContent`);
    console.log(`browser test: genuine ${genuine}, impostor ${impostor} ("${verdictText}")`);
    expect(genuine).toBe(String(expectGenuine));
    expect(impostor).toBe(String(expectImpostor));
    const verified = performance.now();
    mkdirSync(join(repositoryRoot, 'out'), { recursive: true });
    const shot = await page.screenshot();
    writeFileSync(join(repositoryRoot, 'out', 'browser-client.png'), shot);
    const image = await decodePng(shot);
    expect(image.width).toBeGreaterThan(500);

    // a dropped crop of the wrong size is refused by the page's PNG check, naming the file, before anything is sent
    const small = join(work, 'small.png');
    writeFileSync(small, await encodePng(new Uint8Array(64 * 64 * 3).fill(128), 64, 64));
    await page.send('DOM.setFileInputFiles', { files: [small], objectId: input.result.objectId });
    await page.waitFor<boolean>(`document.querySelector('input[name=face]:checked')?.nextElementSibling?.textContent.includes('small.png') === true`, 10_000, 'the small file to be chosen');
    await click(page, 'verify');
    await page.waitFor<boolean>(`document.body.dataset.state === 'idle'`, 30_000, 'the refusal');
    expect(await page.evaluate<string>(`document.getElementById('verdict').dataset.match`)).toBe('error');
    expect(await page.evaluate<string>(`document.getElementById('notices').textContent`)).toMatch(/small\.png.*WRONG_IMAGE_SIZE|WRONG_IMAGE_SIZE.*small\.png/s);

    // the secret key the page kept in IndexedDB appears in none of the service's files (keys, templates, anything)
    const secret = new Uint8Array(await page.evaluate<number[]>(`new Promise((resolve, reject) => {
      const open = indexedDB.open('cryptoface-client');
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const get = open.result.transaction('sessions').objectStore('sessions').get(${JSON.stringify(setup.model)});
        get.onsuccess = () => resolve(Array.from(get.result.secretKey));
        get.onerror = () => reject(get.error);
      };
    })`));
    expect(secret.length).toBeGreaterThan(1000);
    const windows = [0.25, 0.5, 0.75].map((f) => Buffer.from(secret.subarray(Math.floor(secret.length * f), Math.floor(secret.length * f) + 64)));
    const files = readdirSync(join(work, 'data'), { recursive: true, encoding: 'utf8' }).map((f) => join(work, 'data', f)).filter((f) => statSync(f).isFile());
    expect(files.length).toBeGreaterThan(setup.keyNames.length); // the keys and the template are there to search
    for (const f of files) {
      const bytes = readFileSync(f);
      for (const w of windows) expect(bytes.indexOf(w), `${f} holds part of the secret key`).toBe(-1);
    }

    // the kept key brings the session back after a reload; "delete" removes it on the service and here
    await page.goto(`${server.base}/?threads=1`);
    await idle(page, 60_000, 'the reload');
    expect(await page.evaluate<boolean>(`document.getElementById('persist').checked`)).toBe(true);
    expect(await page.evaluate<string>(`document.getElementById('templates').value`)).toBe(status.templates[0]);
    await page.evaluate<void>('window.confirm = () => true');
    await click(page, 'forget');
    await idle(page, 20_000, 'the deletion');
    expect((await fetch(`${server.base}/api/clients/${clientId}`)).status).toBe(404);
    await page.goto(`${server.base}/?threads=1`);
    await idle(page, 60_000, 'the second reload');
    expect(await page.evaluate<boolean>(`document.getElementById('persist').checked`)).toBe(false);
    expect(page.errors).toEqual([]);
    const s = (a: number, b: number) => ((b - a) / 1000).toFixed(1);
    console.log(`browser test (s): page ready ${s(t0, loaded)}, keys + enrolment ${s(loaded, enrolled)}, two verifications ${s(enrolled, verified)}, total ${s(t0, performance.now())}`);
  }, 480_000);

  it('served without the cross-origin isolation headers, the page falls back to one thread and says why', async () => {
    // a proxy in front of the service that drops COOP/COEP: no SharedArrayBuffer for the page's workers
    const proxy = createServer((req, res) => {
      const upstream = request(`${server.base}${req.url ?? '/'}`, { method: req.method, headers: req.headers }, (r) => {
        const headers = { ...r.headers };
        delete headers['cross-origin-opener-policy'];
        delete headers['cross-origin-embedder-policy'];
        res.writeHead(r.statusCode ?? 502, headers);
        r.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    });
    await new Promise<void>((ready) => proxy.listen(0, '127.0.0.1', ready));
    try {
      await page.goto(`http://127.0.0.1:${(proxy.address() as AddressInfo).port}/?threads=2`);
      await idle(page, 60_000, 'the model to load without isolation');
      expect(await page.evaluate<boolean>('crossOriginIsolated')).toBe(false);
      expect(await page.evaluate<string>(`document.getElementById('threads').textContent`)).toBe('1 (fallback)');
      const notices = await page.evaluate<string>(`document.getElementById('notices').textContent`);
      expect(notices).toContain('not cross-origin isolated');
      expect(notices).toContain('Cross-Origin-Embedder-Policy');
    } finally {
      await new Promise((closed) => proxy.close(closed));
    }
  }, 120_000);
});
