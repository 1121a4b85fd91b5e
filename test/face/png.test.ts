// PNG codec (src/face/io/png.ts) against independent encoders and decoders:
// - decoding: fixtures written by Python's zlib + struct and by ffmpeg (test/face/fixtures/png/generate.py,
//   committed with their expected RGB, computed by the generator or decoded by ffmpeg); exact equality;
// - encoding: a reference decoder written here (chunk walk, node:zlib inflate, the five filters written out
//   again) must read back the input exactly, for both compression modes;
// - refusals: every truncation, every single-bit flip after the signature, wrong sizes, other formats.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import fc from 'fast-check';
import { decodePng, encodePng, crc32 } from '../../src/face/io/png.js';
import { decodeFaceCrop, encodeFaceCrop } from '../../src/face/io/faceCrop.js';
import { FaceInputError, type FaceInputErrorCode } from '../../src/face/errors.js';

const dir = join(import.meta.dirname, 'fixtures', 'png');
interface Manifest {
  good: { name: string; width: number; height: number; note: string }[];
  bad: { name: string; code: FaceInputErrorCode; note: string }[];
}
const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
const fixture = (name: string) => new Uint8Array(readFileSync(join(dir, `${name}.png`)));

/** Byte equality (Buffer.equals: vitest's toEqual walks typed arrays element by element, slowly). */
const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);

async function refusal(p: Promise<unknown>): Promise<FaceInputError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof FaceInputError) return e;
    throw new Error(`expected a FaceInputError, got ${String(e)}`);
  }
  throw new Error('expected a FaceInputError, the call succeeded');
}

/** Reference PNG reader for 8-bit RGB, non-interlaced (what encodePng writes), independent of png.ts. */
function referenceDecodeRgb(png: Uint8Array): { width: number; height: number; rgb: Uint8Array } {
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength);
  expect([...png.subarray(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
  let pos = 8;
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  const types: string[] = [];
  while (pos < png.length) {
    const len = dv.getUint32(pos);
    const type = Buffer.from(png.subarray(pos + 4, pos + 8)).toString('latin1');
    types.push(type);
    const data = png.subarray(pos + 8, pos + 8 + len);
    // CRC-32 checked bitwise, without a table (a different implementation from png.ts's).
    let c = ~0;
    for (const byte of png.subarray(pos + 4, pos + 8 + len)) {
      c ^= byte;
      for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
    }
    expect(dv.getUint32(pos + 8 + len)).toBe(~c >>> 0);
    if (type === 'IHDR') {
      width = dv.getUint32(pos + 8);
      height = dv.getUint32(pos + 12);
      expect([...data.subarray(8)]).toEqual([8, 2, 0, 0, 0]);
    }
    if (type === 'IDAT') idat.push(Buffer.from(data));
    pos += 12 + len;
  }
  expect(types[0]).toBe('IHDR');
  expect(types.at(-1)).toBe('IEND');
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * 3;
  expect(raw.length).toBe(height * (stride + 1));
  const rgb = new Uint8Array(width * height * 3);
  const at = (x: number, y: number) => (x < 0 || y < 0 ? 0 : rgb[y * stride + x]!);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)]!;
    for (let x = 0; x < stride; x++) {
      const a = at(x - 3, y);
      const b = at(x, y - 1);
      const c = at(x - 3, y - 1);
      const p = a + b - c;
      const nearest = [a, b, c].reduce((best, v) => (Math.abs(p - v) < Math.abs(p - best) ? v : best)); // ties keep a, then b
      const pred = [0, a, b, Math.floor((a + b) / 2), nearest][f];
      if (pred === undefined) throw new Error(`filter ${f}`);
      rgb[y * stride + x] = (raw[y * (stride + 1) + 1 + x]! + pred) % 256;
    }
  }
  return { width, height, rgb };
}

describe('decodePng: fixtures from independent encoders (exact)', () => {
  for (const g of manifest.good) {
    it(`${g.name}: ${g.note}`, async () => {
      const img = await decodePng(fixture(g.name), { name: g.name });
      expect(img.width).toBe(g.width);
      expect(img.height).toBe(g.height);
      expect(Buffer.from(img.rgb).equals(readFileSync(join(dir, `${g.name}.rgb`)))).toBe(true);
    });
  }
  it('covers every filter type and every accepted colour type', () => {
    const names = manifest.good.map((g) => g.name);
    for (const n of ['rgb-filter0', 'rgb-filter1', 'rgb-filter2', 'rgb-filter3', 'rgb-filter4', 'grey-mixed', 'greyalpha-mixed', 'rgba-mixed', 'palette1', 'palette8']) {
      expect(names).toContain(n);
    }
  });
});

describe('decodePng: refusals', () => {
  for (const b of manifest.bad) {
    it(`${b.name} (${b.note}) → ${b.code}, message names the file`, async () => {
      const e = await refusal(decodePng(new Uint8Array(readFileSync(join(dir, 'bad', `${b.name}.png`))), { name: `bad/${b.name}.png` }));
      expect(e.code).toBe(b.code);
      expect(e.file).toBe(`bad/${b.name}.png`);
      expect(e.message).toContain(`bad/${b.name}.png: `);
    });
  }

  it('every truncation of three fixtures is CORRUPT_IMAGE', async () => {
    for (const name of ['rgb-split-idat', 'palette4', 'rgb-filter4']) {
      const png = fixture(name);
      for (let len = 0; len < png.length; len++) {
        const e = await refusal(decodePng(png.slice(0, len), { name }));
        expect(e.code, `${name} cut at ${len}`).toBe('CORRUPT_IMAGE');
      }
    }
  });

  it('every single-bit flip after the signature is refused (CRC, lengths, types)', async () => {
    const png = fixture('rgb-filter1');
    for (let i = 8; i < png.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const bad = png.slice();
        bad[i]! ^= 1 << bit;
        const e = await refusal(decodePng(bad));
        expect(e.code, `byte ${i} bit ${bit}`).toBe('CORRUPT_IMAGE');
      }
    }
  });

  it('other formats and junk: UNSUPPORTED_IMAGE, naming the format when known', async () => {
    const jpeg = Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46);
    expect((await refusal(decodePng(jpeg, { name: 'a.jpg' }))).message).toBe('[UNSUPPORTED_IMAGE] a.jpg: not a PNG file (it is a JPEG)');
    const text = new TextEncoder().encode('hello, this is not an image\n');
    const e = await refusal(decodePng(text, { name: 'notes.txt' }));
    expect([e.code, e.message]).toEqual(['UNSUPPORTED_IMAGE', '[UNSUPPORTED_IMAGE] notes.txt: not a PNG file']);
    expect((await refusal(decodePng(new Uint8Array(0), { name: 'empty.png' }))).message).toBe('[CORRUPT_IMAGE] empty.png: file is empty');
  });

  it('size limits and expected size are checked from the header', async () => {
    const png = fixture('rgb-filter0'); // 7×5
    expect((await refusal(decodePng(png, { maxSide: 6 }))).code).toBe('UNSUPPORTED_IMAGE');
    expect((await refusal(decodePng(png, { maxPixels: 34 }))).code).toBe('UNSUPPORTED_IMAGE');
    expect((await decodePng(png, { maxSide: 7, maxPixels: 35 })).width).toBe(7);
    const e = await refusal(decodePng(png, { name: 'x.png', expectedSize: { width: 5, height: 7 } }));
    expect(e.message).toBe('[WRONG_IMAGE_SIZE] x.png: image is 7×5, expected 5×7');
    await expect(decodePng(png, { maxSide: 0 })).rejects.toThrow(RangeError);
    await expect(decodePng([1, 2] as unknown as Uint8Array)).rejects.toThrow(TypeError);
  });
});

describe('decodeFaceCrop / encodeFaceCrop', () => {
  it('accepts a 112×112 PNG and refuses other sizes with WRONG_IMAGE_SIZE naming the file', async () => {
    const img = await decodeFaceCrop(fixture('face-112'), 'face-112.png');
    expect(Buffer.from(img.rgb).equals(readFileSync(join(dir, 'face-112.rgb')))).toBe(true);
    const e = await refusal(decodeFaceCrop(fixture('rgb-mixed'), 'probe.png'));
    expect(e.message).toBe('[WRONG_IMAGE_SIZE] probe.png: image is 13×10, expected 112×112');
    expect((await refusal(decodeFaceCrop(fixture('rgb-mixed')))).message).toBe('[WRONG_IMAGE_SIZE] image is 13×10, expected 112×112');
  });
  it('round trip of a crop; wrong lengths are RangeErrors', async () => {
    const rgb = new Uint8Array(readFileSync(join(dir, 'face-112.rgb')));
    const png = await encodeFaceCrop(rgb);
    expect(same(referenceDecodeRgb(png).rgb, rgb)).toBe(true);
    expect(() => encodeFaceCrop(new Uint8Array(100))).toThrow(RangeError);
  });
});

describe('encodePng: read back by the reference decoder (exact)', () => {
  it('random images, both compression modes (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 12 }),
        fc.constantFrom('deflate' as const, 'stored' as const),
        fc.boolean(),
        fc.integer(),
        async (w, h, compression, smooth, seed) => {
          // Smooth images make the adaptive filter choose Sub/Up/Average/Paeth, noisy ones mostly None.
          const rgb = new Uint8Array(w * h * 3);
          let s = seed >>> 0;
          for (let i = 0; i < rgb.length; i++) {
            s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
            rgb[i] = smooth ? ((i % (w * 3)) * 5 + Math.floor(i / (w * 3)) * 3 + (s >>> 30)) & 0xff : s >>> 24;
          }
          const png = await encodePng(rgb, w, h, { compression });
          const ref = referenceDecodeRgb(png);
          expect([ref.width, ref.height]).toEqual([w, h]);
          expect(same(ref.rgb, rgb)).toBe(true);
          expect(same((await decodePng(png)).rgb, rgb)).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });
  it('uses every filter type on a suitable image, and stored blocks over 65,535 bytes', async () => {
    const w = 200;
    const h = 120; // 72,120 bytes of filtered data: two stored blocks
    const rgb = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w * 3; x++) {
        const band = Math.floor(y / 24); // rows of different textures favour different filters
        rgb[y * w * 3 + x] = [0, x * 7, y * 11, (x * 3 + y * 5) ^ (x >> 4), x * y][band]! & 0xff;
      }
    }
    const stored = await encodePng(rgb, w, h, { compression: 'stored' });
    expect(same(referenceDecodeRgb(stored).rgb, rgb)).toBe(true);
    const packed = await encodePng(rgb, w, h);
    expect(same(referenceDecodeRgb(packed).rgb, rgb)).toBe(true);
    expect(same((await decodePng(stored)).rgb, rgb) && same((await decodePng(packed)).rgb, rgb)).toBe(true);
    const raw = inflateSync(Buffer.from(packed.subarray(8 + 25 + 8, packed.length - 12 - 4)));
    const used = new Set<number>();
    for (let y = 0; y < h; y++) used.add(raw[y * (w * 3 + 1)]!);
    expect(used.size).toBeGreaterThanOrEqual(3);
  });
  it('argument errors', async () => {
    await expect(encodePng(new Uint8Array(5), 1, 2)).rejects.toThrow(RangeError);
    await expect(encodePng(new Uint8Array(0), 0, 0)).rejects.toThrow(RangeError);
    await expect(encodePng(new Uint8Array(3), 1, 1, { compression: 'zip' as 'stored' })).rejects.toThrow(RangeError);
  });
  it('crc32 matches the check value of the CRC-32 catalogue ("123456789" → cbf43926)', () => {
    expect(crc32(new TextEncoder().encode('123456789')).toString(16)).toBe('cbf43926');
  });
});
