// Node-only file helpers of the command-line tool: readFaceCrop (errors name the file) and writeFileAtomic
// (temporary file + fsync + rename: the target is old or complete, never partial). Pixels are checked against
// the fixture's expected RGB written by test/face/fixtures/png/generate.py (Python zlib + struct).
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFaceCrop } from '../../src/cli/readFaceCrop.js';
import { writeFileAtomic } from '../../src/cli/writeFileAtomic.js';
import { FaceInputError } from '../../src/face/errors.js';

const fixtures = join(import.meta.dirname, '..', 'face', 'fixtures', 'png');
const work = mkdtempSync(join(tmpdir(), 'cryptoface-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function failure(p: Promise<unknown>): Promise<Error & { code?: unknown }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof Error) return e;
  }
  throw new Error('expected a rejection');
}

describe('readFaceCrop', () => {
  it('reads a 112×112 PNG', async () => {
    const img = await readFaceCrop(join(fixtures, 'face-112.png'));
    expect([img.width, img.height]).toEqual([112, 112]);
    expect(Buffer.from(img.rgb).equals(readFileSync(join(fixtures, 'face-112.rgb')))).toBe(true);
  });
  it('bad files: typed errors whose message starts with the path', async () => {
    const wrong = join(fixtures, 'rgb-mixed.png');
    const e1 = await failure(readFaceCrop(wrong));
    expect(e1).toBeInstanceOf(FaceInputError);
    expect(e1.message).toBe(`[WRONG_IMAGE_SIZE] ${wrong}: image is 13×10, expected 112×112`);

    const cut = join(work, 'cut.png');
    writeFileSync(cut, readFileSync(join(fixtures, 'face-112.png')).subarray(0, 500));
    const e2 = await failure(readFaceCrop(cut));
    expect([e2.code, e2.message.startsWith(`[CORRUPT_IMAGE] ${cut}: truncated`)]).toEqual(['CORRUPT_IMAGE', true]);

    const txt = join(work, 'notes.png');
    writeFileSync(txt, 'not an image');
    expect((await failure(readFaceCrop(txt))).message).toBe(`[UNSUPPORTED_IMAGE] ${txt}: not a PNG file`);
  });
  it('unreadable paths: system code kept, message names the path', async () => {
    const missing = join(work, 'missing.png');
    const e = await failure(readFaceCrop(missing));
    expect([e.code, e.message]).toEqual(['ENOENT', `${missing}: cannot read the file (no such file)`]);
    const e2 = await failure(readFaceCrop(work));
    expect([e2.code, e2.message]).toEqual(['EISDIR', `${work}: cannot read the file (is a directory)`]);
    await expect(readFaceCrop('')).rejects.toThrow(TypeError);
  });
});

describe('writeFileAtomic', () => {
  it('creates and replaces a file, leaving no temporary file', async () => {
    const target = join(work, 'out', 'a.png');
    rmSync(join(work, 'out'), { recursive: true, force: true });
    await expect(writeFileAtomic(target, Uint8Array.of(1, 2, 3))).rejects.toMatchObject({ code: 'ENOENT' });
    const dir = join(work, 'out');
    mkdirSync(dir);
    await writeFileAtomic(target, Uint8Array.of(1, 2, 3));
    expect([...readFileSync(target)]).toEqual([1, 2, 3]);
    await writeFileAtomic(target, new Uint8Array(70_000).fill(7));
    expect(readFileSync(target).length).toBe(70_000);
    expect(readdirSync(dir)).toEqual(['a.png']);
  });
  it('a failed rename (the target is a directory) leaves the target untouched and no temporary file', async () => {
    const dir = join(work, 'busy');
    mkdirSync(join(dir, 'a.png'), { recursive: true });
    writeFileSync(join(dir, 'a.png', 'inside'), 'old');
    await expect(writeFileAtomic(join(dir, 'a.png'), Uint8Array.of(9))).rejects.toMatchObject({ code: 'EISDIR' });
    expect(readdirSync(dir)).toEqual(['a.png']);
    expect(readFileSync(join(dir, 'a.png', 'inside'), 'utf8')).toBe('old');
  });
  it('argument errors', async () => {
    await expect(writeFileAtomic('', Uint8Array.of(1))).rejects.toThrow(TypeError);
    await expect(writeFileAtomic(join(work, 'x'), [1] as unknown as Uint8Array)).rejects.toThrow(TypeError);
  });
});
