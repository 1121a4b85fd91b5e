// The page of the browser client (docs/browser-client.md): face choice, buttons, progress bars, verdict and log.
// All cryptography runs in clientWorker.js; this script only sends it commands and draws what it reports.
// `?threads=N` sets the worker's thread count (default: the cores, at most 4).

/** The bundled aligned crops (assets/faces, served under /web/faces/). */
const BUNDLED = [
  { file: 'hopper.png', label: 'Grace Hopper' },
  { file: 'hopper-probe.png', label: 'Grace Hopper (probe: re-framed, mirrored, darker)' },
  { file: 'collins.png', label: 'Eileen Collins' },
  { file: 'collins-probe.png', label: 'Eileen Collins (probe: re-framed, mirrored, darker)' },
];

/**
 * @typedef {{ kind: 'crop', bytes: Uint8Array, name: string } | { kind: 'test-input', name: string }} FaceInput
 * @typedef {{ id: string, label: string }} TemplateEntry
 */

/**
 * @template {HTMLElement} T
 * @param {string} id
 * @param {new () => T} type
 * @returns {T}
 */
function element(id, type) {
  const e = document.getElementById(id);
  if (!(e instanceof type)) throw new Error(`the page lacks #${id}`);
  return e;
}

const ui = {
  notices: element('notices', HTMLDivElement),
  faceList: element('face-list', HTMLDivElement),
  dropZone: element('drop-zone', HTMLDivElement),
  cropFile: element('crop-file', HTMLInputElement),
  dropStatus: element('drop-status', HTMLParagraphElement),
  persist: element('persist', HTMLInputElement),
  label: element('label', HTMLInputElement),
  enrol: element('enrol', HTMLButtonElement),
  templates: element('templates', HTMLSelectElement),
  verify: element('verify', HTMLButtonElement),
  identify: element('identify', HTMLButtonElement),
  forget: element('forget', HTMLButtonElement),
  verdict: element('verdict', HTMLParagraphElement),
  log: element('log', HTMLOListElement),
};

/** What the page knows: the chosen face (label and how to get its bytes), the templates, whether work is running. */
const page = {
  /** @type {{ label: string, input: () => Promise<FaceInput> } | undefined} */ chosen: undefined,
  /** @type {TemplateEntry[]} */ templates: [],
  ready: false,
  busy: false,
  keysUploaded: false,
};

/** @param {string} text */
function log(text) {
  const li = document.createElement('li');
  li.textContent = `${new Date().toLocaleTimeString()} ${text}`;
  ui.log.append(li);
}

/**
 * @param {string} text
 * @param {'warning' | 'error' | 'info'} kind
 */
function notice(text, kind) {
  const p = document.createElement('p');
  p.className = kind;
  p.textContent = text;
  ui.notices.append(p);
}

/**
 * @param {string} bar
 * @param {number} done
 * @param {number} total
 * @param {string} text
 */
function setProgress(bar, done, total, text) {
  const p = element(`bar-${bar}`, HTMLProgressElement);
  p.max = Math.max(total, 1);
  p.value = Math.min(done, p.max);
  element(`text-${bar}`, HTMLSpanElement).textContent = text;
}

/** Buttons follow the state: nothing while work runs; verify and identify once a template exists. */
function refresh() {
  const idle = page.ready && !page.busy;
  ui.enrol.disabled = !idle || page.chosen === undefined;
  ui.verify.disabled = !idle || page.chosen === undefined || ui.templates.value === '';
  ui.identify.disabled = !idle || page.chosen === undefined || page.templates.length === 0;
  ui.templates.disabled = !idle || page.templates.length === 0;
  ui.forget.disabled = !idle || !page.keysUploaded;
  document.body.dataset['state'] = !page.ready ? 'loading' : page.busy ? 'busy' : 'idle';
}

/** @param {TemplateEntry[]} templates */
function showTemplates(templates) {
  page.templates = templates;
  const chosen = ui.templates.value;
  ui.templates.replaceChildren(...(templates.length === 0 ? [new Option('(none yet)', '')] : templates.map((t) => new Option(`${t.label} (${t.id.slice(0, 8)}…)`, t.id))));
  if (templates.some((t) => t.id === chosen)) ui.templates.value = chosen;
  else if (templates.length > 0) ui.templates.value = templates[templates.length - 1]?.id ?? '';
}

/**
 * @param {string} label
 * @param {() => Promise<FaceInput>} input
 */
function choose(label, input) {
  page.chosen = { label, input };
  if (ui.label.value === '' || ui.label.dataset['auto'] === 'true') {
    ui.label.value = label;
    ui.label.dataset['auto'] = 'true';
  }
  refresh();
}

/**
 * One radio button with a picture per face.
 * @param {string} id
 * @param {string} label
 * @param {HTMLElement} picture
 * @param {() => Promise<FaceInput>} input
 */
function addFaceChoice(id, label, picture, input) {
  const wrap = document.createElement('div');
  wrap.className = 'face';
  const radio = document.createElement('input');
  radio.type = 'radio';
  radio.name = 'face';
  radio.id = `face-${id}`;
  radio.value = id;
  radio.addEventListener('change', () => { if (radio.checked) choose(label, input); });
  const text = document.createElement('label');
  text.htmlFor = radio.id;
  text.append(picture, document.createElement('br'), label);
  wrap.append(radio, text);
  ui.faceList.append(wrap);
}

/** @param {string} file */
async function fetchCrop(file) {
  const res = await fetch(`/web/faces/${file}`);
  if (!res.ok) throw new Error(`/web/faces/${file}: HTTP ${res.status}`);
  return /** @type {FaceInput} */ ({ kind: 'crop', bytes: new Uint8Array(await res.arrayBuffer()), name: file });
}

for (const face of BUNDLED) {
  const img = document.createElement('img');
  img.src = `/web/faces/${face.file}`;
  img.alt = face.label;
  img.width = 112;
  img.height = 112;
  addFaceChoice(face.file.replace(/\.png$/, ''), face.label, img, () => fetchCrop(face.file));
}

/** @param {File} file */
async function useDroppedFile(file) {
  const bytes = new Uint8Array(await file.arrayBuffer());
  const sig = [0x89, 0x50, 0x4e, 0x47];
  if (!sig.every((b, i) => bytes[i] === b)) {
    ui.dropStatus.textContent = `${file.name} is not a PNG file.`;
    return;
  }
  const img = document.createElement('img');
  img.src = URL.createObjectURL(file);
  img.alt = `dropped crop ${file.name}`;
  img.width = 112;
  img.height = 112;
  addFaceChoice(`dropped-${ui.faceList.children.length}`, `${file.name} (dropped)`, img, async () => ({ kind: 'crop', bytes, name: file.name }));
  const radio = ui.faceList.lastElementChild?.querySelector('input');
  if (radio instanceof HTMLInputElement) {
    radio.checked = true;
    radio.dispatchEvent(new Event('change'));
  }
  ui.dropStatus.textContent = `${file.name} added (checked as a 112×112 PNG when it is encrypted).`;
}

ui.cropFile.addEventListener('change', () => {
  const file = ui.cropFile.files?.[0];
  if (file !== undefined) useDroppedFile(file).catch((e) => { ui.dropStatus.textContent = String(e); });
});
ui.dropZone.addEventListener('dragover', (e) => { e.preventDefault(); ui.dropZone.classList.add('over'); });
ui.dropZone.addEventListener('dragleave', () => ui.dropZone.classList.remove('over'));
ui.dropZone.addEventListener('drop', (e) => {
  e.preventDefault();
  ui.dropZone.classList.remove('over');
  const file = e.dataTransfer?.files[0];
  if (file !== undefined) useDroppedFile(file).catch((err) => { ui.dropStatus.textContent = String(err); });
});

// ---- the worker ----

const requested = Number(new URLSearchParams(location.search).get('threads'));
const explicitThreads = Number.isInteger(requested) && requested >= 1;
const threads = explicitThreads ? requested : Math.min(navigator.hardwareConcurrency || 1, 4);
if (!crossOriginIsolated) {
  notice('This page is not cross-origin isolated (the server must send Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp), so SharedArrayBuffer is unavailable and the encryption runs on one thread: slower, but it works.', 'warning');
}
const worker = new Worker('/web/clientWorker.js', { type: 'module' });

/** @param {Record<string, unknown>} message */
function send(message) {
  page.busy = true;
  refresh();
  worker.postMessage(message);
}

/**
 * @param {'enrol' | 'verify' | 'identify'} op
 * @param {Record<string, unknown>} extra
 */
async function run(op, extra) {
  const chosen = page.chosen;
  if (chosen === undefined) return;
  page.busy = true;
  refresh();
  for (const e of ui.notices.querySelectorAll('.error')) e.remove(); // the last operation's failure, now stale
  try {
    const input = await chosen.input();
    for (const bar of ['crypto', 'server']) setProgress(bar, 0, 1, '');
    log(`${op}: ${chosen.label}`);
    send({ type: op, input, ...extra });
  } catch (e) {
    page.busy = false;
    log(`${op} failed: ${e instanceof Error ? e.message : String(e)}`);
    refresh();
  }
}

ui.enrol.addEventListener('click', () => run('enrol', { label: ui.label.value.trim() || (page.chosen?.label ?? 'face') }));
ui.verify.addEventListener('click', () => {
  ui.verdict.textContent = 'Verifying…';
  ui.verdict.dataset['match'] = '';
  run('verify', { templateId: ui.templates.value });
});
ui.identify.addEventListener('click', () => {
  ui.verdict.textContent = 'Identifying…';
  ui.verdict.dataset['match'] = '';
  run('identify', {});
});
ui.templates.addEventListener('change', refresh);
ui.label.addEventListener('input', () => { ui.label.dataset['auto'] = 'false'; });
ui.persist.addEventListener('change', () => send({ type: 'persist', persist: ui.persist.checked }));
ui.forget.addEventListener('click', () => {
  if (confirm('Delete your evaluation keys and templates from the server, and the key kept in this browser?')) send({ type: 'forget' });
});

/** @param {string} id */
const labelOf = (id) => page.templates.find((t) => t.id === id)?.label ?? id.slice(0, 8);

worker.addEventListener('error', (e) => {
  notice(`The encryption worker failed to start: ${e.message || 'see the browser console'}.`, 'error');
  page.busy = false;
  refresh();
});

/**
 * What the worker reports (clientWorker.js).
 * @typedef {{ name: string, label: string, side: number, rgba: Uint8ClampedArray }} TestInput
 * @typedef {{ type: 'progress', bar: string, done: number, total: number, text: string }} ProgressMessage
 * @typedef {{ type: 'log', text: string }} LogMessage
 * @typedef {{ type: 'keys' }} KeysMessage
 * @typedef {{ type: 'ready', preset: string, model: string, insecure: boolean, threads: number, fallback?: string, threadNote?: string,
 *   keyCount: number, keyBytes: number, ringDegree: number, testInputs: TestInput[],
 *   restored: { clientId: string, templates: TemplateEntry[], keysUploaded: boolean } | null }} ReadyMessage
 * @typedef {{ type: 'done', op: 'enrol', templateId: string, label: string, templates: TemplateEntry[], serverSeconds: number }
 *   | { type: 'done', op: 'verify', templateId: string, match: boolean, serverSeconds: number }
 *   | { type: 'done', op: 'identify', matches: { templateId: string, match: boolean }[], serverSeconds: number }
 *   | { type: 'done', op: 'forget' } | { type: 'done', op: 'persist', persist: boolean }} DoneMessage
 * @typedef {{ type: 'error', op: string, code: string, message: string }} ErrorMessage
 * @typedef {ProgressMessage | LogMessage | KeysMessage | ReadyMessage | DoneMessage | ErrorMessage} WorkerMessage
 */

/** @param {ReadyMessage} m */
function onReady(m) {
  element('preset', HTMLElement).textContent = m.insecure ? `${m.preset} (INSECURE: a reduced random network at a small ring, for tests only; it recognises nobody)` : m.preset;
  element('model-id', HTMLElement).textContent = m.model;
  element('ring', HTMLElement).textContent = `N = ${m.ringDegree}`;
  element('key-plan', HTMLElement).textContent = `${m.keyCount} keys, ≈ ${(m.keyBytes / 1e6).toFixed(1)} MB to upload`;
  element('threads', HTMLElement).textContent = `${m.threads}${m.fallback ? ' (fallback)' : ''}`;
  if (m.insecure) notice('The server runs the INSECURE test preset: fine for trying the page, not for real faces.', 'warning');
  if (m.fallback) notice(`Running on one thread: ${m.fallback}`, 'warning');
  if (m.threadNote) notice(m.threadNote, 'info');
  for (const t of m.testInputs) {
    const canvas = document.createElement('canvas');
    canvas.width = t.side;
    canvas.height = t.side;
    canvas.className = 'pixelated';
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', t.label);
    canvas.getContext('2d')?.putImageData(new ImageData(new Uint8ClampedArray(t.rgba), t.side, t.side), 0, 0);
    addFaceChoice(`test-${t.name}`, t.label, canvas, async () => ({ kind: 'test-input', name: t.name }));
  }
  if (m.restored) {
    ui.persist.checked = true;
    page.keysUploaded = m.restored.keysUploaded;
    showTemplates(m.restored.templates);
    log(`restored client ${m.restored.clientId} with ${m.restored.templates.length} templates from this browser`);
  }
  page.ready = true;
  page.busy = false;
  log(`ready: ${m.preset} preset, ${m.threads} thread(s)`);
}

/** @param {DoneMessage} m */
function onDone(m) {
  page.busy = false;
  if (m.op === 'enrol') {
    showTemplates(m.templates);
    log(`enrolled "${m.label}" as template ${m.templateId} (server ${m.serverSeconds.toFixed(1)} s)`);
  } else if (m.op === 'verify') {
    ui.verdict.dataset['match'] = String(m.match);
    ui.verdict.textContent = m.match ? `Match: the face matches "${labelOf(m.templateId)}".` : `No match: the face does not match "${labelOf(m.templateId)}".`;
    log(`verdict: ${m.match ? 'match' : 'no match'} (server ${m.serverSeconds.toFixed(1)} s)`);
  } else if (m.op === 'identify') {
    const hits = m.matches.filter((x) => x.match).map((x) => labelOf(x.templateId));
    ui.verdict.dataset['match'] = String(hits.length > 0);
    ui.verdict.textContent = hits.length > 0 ? `Identified: ${hits.join(', ')}.` : `No match among ${m.matches.length} templates.`;
    log(`identification: ${m.matches.map((x) => `${labelOf(x.templateId)} ${x.match ? 'match' : 'no'}`).join(', ')}`);
  } else if (m.op === 'forget') {
    page.keysUploaded = false;
    ui.persist.checked = false;
    showTemplates([]);
    log('deleted the keys and templates on the server and in this browser');
  } else {
    log(m.persist ? 'the secret key is kept in this browser (IndexedDB)' : 'nothing is kept in this browser');
  }
}

/** @param {ErrorMessage} m */
function onError(m) {
  page.busy = false;
  if (m.op === 'init') page.ready = false;
  if (m.op === 'verify' || m.op === 'identify') {
    ui.verdict.dataset['match'] = 'error';
    ui.verdict.textContent = `No verdict: ${m.message}`;
  }
  notice(`${m.op} failed: ${m.message} (${m.code})`, 'error');
  log(`${m.op} failed: ${m.message} (${m.code})`);
}

worker.addEventListener('message', (/** @type {MessageEvent<unknown>} */ e) => {
  const m = /** @type {WorkerMessage} */ (e.data);
  if (m.type === 'progress') setProgress(m.bar, m.done, m.total, m.text);
  else if (m.type === 'log') log(m.text);
  else if (m.type === 'keys') page.keysUploaded = true;
  else if (m.type === 'ready') onReady(m);
  else if (m.type === 'done') onDone(m);
  else if (m.type === 'error') onError(m);
  refresh();
});

page.busy = true;
worker.postMessage({ type: 'init', threads, explicitThreads, persist: false });
refresh();
