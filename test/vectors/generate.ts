// Rewrites the known-answer vectors under test/vectors/ (manifest.json and the full *.bin blobs) from the fixed
// seeds of vectors.ts. Run it ONLY after a deliberate change of the serialisation format or of a preset, from the
// package root: `npm run vectors:generate`; then review `git diff test/vectors` and commit it with the change
// (and bump FORMAT_VERSION when old blobs can no longer be read). See docs/serialization.md.
import { existsSync, readFileSync, readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateVectors, manifestOf } from './vectors.js';

const root = process.cwd();
const pkg = join(root, 'package.json');
if (!existsSync(pkg) || (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name !== 'cryptoface') {
  throw new Error('run from the package root (npm run vectors:generate)');
}
const dir = join(root, 'test', 'vectors');
const set = generateVectors();
const keep = new Set(set.blobs.filter((b) => b.full).map((b) => `${b.name}.bin`));
for (const f of readdirSync(dir)) if (f.endsWith('.bin') && !keep.has(f)) unlinkSync(join(dir, f));
for (const b of set.blobs) if (b.full) writeFileSync(join(dir, `${b.name}.bin`), b.bytes);
writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(manifestOf(set), null, 2)}\n`);
const full = set.blobs.filter((b) => b.full);
console.log(`wrote test/vectors/manifest.json (${set.blobs.length} blobs, ${Object.keys(set.fingerprints).length} fingerprints) and ${full.length} full blobs (${full.reduce((s, b) => s + b.bytes.length, 0)} bytes)`);
