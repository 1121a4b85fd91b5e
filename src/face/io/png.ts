/**
 * A strict PNG decoder and a small PNG encoder (PNG specification, ISO/IEC 15948 / W3C PNG 2nd edition), for
 * face crops and screenshots. No dependencies: zlib streams go through the standard `DecompressionStream` /
 * `CompressionStream('deflate')` of browsers and Node ≥ 18, so this file runs unchanged in both.
 *
 * Decoded: bit depth 8 greyscale, greyscale + alpha, RGB, RGBA, and palette images at 1/2/4/8 bits;
 * non-interlaced; all five scanline filters. Output is always RGB (HWC, 8 bits): grey is replicated, a
 * palette is looked up, **alpha is dropped** (as `sharp().removeAlpha()` and PIL's `convert('RGB')` do; tRNS
 * is ignored). Refused with `UNSUPPORTED_IMAGE`: anything that is not a PNG, interlaced (Adam7) images,
 * 16-bit and sub-byte greyscale, unknown critical chunks, images over the size limits. Refused with
 * `CORRUPT_IMAGE`: a bad CRC, a chunk cut short or out of order (IHDR first, PLTE before the IDATs, the IDATs
 * consecutive, IEND last with nothing after it), zlib data that fails to inflate (the zlib stream carries
 * an Adler-32 check) or inflates to more or fewer bytes than the image needs, an unknown filter type, a
 * palette index outside the palette. Nothing is ever returned for a file that fails one of these checks.
 */
import { FaceInputError } from '../errors.js';
import { crc32 as crc32Of } from '../../ckks/serialization/crc32.js';

/** A decoded image: `rgb` holds width·height·3 bytes, row-major, R G B per pixel. */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly rgb: Uint8Array;
}

export interface PngDecodeOptions {
  /** Name of the file (path, URL, upload name) for error messages. */
  readonly name?: string;
  /** Refuse with `WRONG_IMAGE_SIZE` (before inflating) unless the image is exactly this size. */
  readonly expectedSize?: { readonly width: number; readonly height: number };
  /** Largest accepted width or height (default 16384). */
  readonly maxSide?: number;
  /** Largest accepted width·height (default 2^25, a 96 MiB RGB result). */
  readonly maxPixels?: number;
}

export interface PngEncodeOptions {
  /**
   * 'deflate' (default): `CompressionStream('deflate')`, each row filtered with the filter that minimises
   * the sum of |signed bytes| (the PNG specification's suggested heuristic). 'stored': uncompressed deflate
   * blocks and filter 0 (larger files, no stream API needed).
   */
  readonly compression?: 'deflate' | 'stored';
}

const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
const DEFAULT_MAX_SIDE = 16384;
const DEFAULT_MAX_PIXELS = 1 << 25;
const MAX_CHUNK_LENGTH = 0x7fffffff;

/** CRC-32 (ISO 3309, the PNG/zlib polynomial) of `bytes[start, end)`. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  return crc32Of(bytes.subarray(start, end)); // the library's one CRC-32 (the serialisation trailer's)
}

function readU32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

function chunkName(b: Uint8Array, o: number): string {
  return String.fromCharCode(b[o]!, b[o + 1]!, b[o + 2]!, b[o + 3]!);
}

function isLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

interface Header {
  readonly width: number;
  readonly height: number;
  readonly bitDepth: number;
  readonly colorType: number;
  /** Samples per pixel. */
  readonly channels: number;
  /** Bytes of one unfiltered scanline (without its filter byte). */
  readonly rowBytes: number;
  /** Filter unit: bytes per complete pixel, at least 1. */
  readonly bpp: number;
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const COLOR_NAMES: Record<number, string> = { 0: 'greyscale', 2: 'RGB', 3: 'palette', 4: 'greyscale+alpha', 6: 'RGBA' };

/**
 * Decodes a PNG file into 8-bit RGB. Throws `FaceInputError` (codes above, message prefixed by
 * `options.name`) for any file it does not accept; `TypeError`/`RangeError` for bad arguments.
 */
export async function decodePng(bytes: Uint8Array, options: PngDecodeOptions = {}): Promise<RgbImage> {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('decodePng: bytes must be a Uint8Array');
  const name = options.name;
  const maxSide = options.maxSide ?? DEFAULT_MAX_SIDE;
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (!Number.isSafeInteger(maxSide) || maxSide < 1) throw new RangeError('decodePng: maxSide must be a positive integer');
  if (!Number.isSafeInteger(maxPixels) || maxPixels < 1) throw new RangeError('decodePng: maxPixels must be a positive integer');
  const corrupt = (msg: string) => new FaceInputError('CORRUPT_IMAGE', msg, name);
  const unsupported = (msg: string) => new FaceInputError('UNSUPPORTED_IMAGE', msg, name);

  checkSignature(bytes, corrupt, unsupported);
  let header: Header | undefined;
  let palette: Uint8Array | undefined;
  const idat: Uint8Array[] = [];
  let idatEnded = false; // a chunk other than IDAT came after the IDATs
  let ended = false;
  let pos = SIGNATURE.length;
  while (pos < bytes.length) {
    if (ended) throw corrupt(`${bytes.length - pos} bytes after the IEND chunk`);
    if (bytes.length - pos < 12) throw corrupt(`truncated: chunk header at byte ${pos} cut short (file is ${bytes.length} bytes)`);
    const length = readU32(bytes, pos);
    const type = chunkName(bytes, pos + 4);
    if (![0, 1, 2, 3].every((k) => isLetter(bytes[pos + 4 + k]!))) throw corrupt(`invalid chunk type at byte ${pos + 4}`);
    if (length > MAX_CHUNK_LENGTH) throw corrupt(`chunk ${type} at byte ${pos} declares ${length} bytes (limit 2^31 − 1)`);
    const dataStart = pos + 8;
    const dataEnd = dataStart + length;
    if (dataEnd + 4 > bytes.length) throw corrupt(`truncated: chunk ${type} at byte ${pos} needs ${length + 12} bytes, ${bytes.length - pos} left`);
    if (crc32(bytes, pos + 4, dataEnd) !== readU32(bytes, dataEnd)) throw corrupt(`CRC mismatch in chunk ${type} at byte ${pos}`);
    const data = bytes.subarray(dataStart, dataEnd);
    pos = dataEnd + 4;

    if (header === undefined) {
      if (type !== 'IHDR') throw corrupt(`first chunk is ${type}, not IHDR`);
      header = parseHeader(data, corrupt, unsupported);
      if (header.width > maxSide || header.height > maxSide || header.width * header.height > maxPixels) {
        throw unsupported(`image is ${header.width}×${header.height}, over the limits (side ≤ ${maxSide}, pixels ≤ ${maxPixels})`);
      }
      const want = options.expectedSize;
      if (want !== undefined && (header.width !== want.width || header.height !== want.height)) {
        throw new FaceInputError('WRONG_IMAGE_SIZE', `image is ${header.width}×${header.height}, expected ${want.width}×${want.height}`, name);
      }
      continue;
    }
    switch (type) {
      case 'IHDR':
        throw corrupt('second IHDR chunk');
      case 'PLTE':
        if (palette !== undefined) throw corrupt('second PLTE chunk');
        if (idat.length > 0) throw corrupt('PLTE after IDAT');
        if (header.colorType === 0 || header.colorType === 4) throw corrupt('PLTE chunk in a greyscale image');
        if (length === 0 || length % 3 !== 0 || length > 768) throw corrupt(`PLTE length ${length} is not 3·n with 1 ≤ n ≤ 256`);
        if (header.colorType === 3 && length / 3 > 1 << header.bitDepth) throw corrupt(`PLTE has ${length / 3} entries, more than bit depth ${header.bitDepth} allows`);
        palette = data;
        break;
      case 'IDAT':
        if (idatEnded) throw corrupt('IDAT chunks are not consecutive');
        if (header.colorType === 3 && palette === undefined) throw corrupt('palette image without a PLTE chunk before IDAT');
        idat.push(data);
        break;
      case 'IEND':
        if (length !== 0) throw corrupt('IEND chunk is not empty');
        ended = true;
        break;
      default:
        // Bit 5 of the first byte clear = critical chunk: a decoder must not ignore one it does not know.
        if ((bytes[dataStart - 4]! & 0x20) === 0) throw unsupported(`unknown critical chunk ${type}`);
        if (idat.length > 0) idatEnded = true;
    }
  }
  if (header === undefined) throw corrupt('truncated: no IHDR chunk');
  if (idat.length === 0) throw corrupt(ended ? 'no IDAT chunk' : 'truncated: no IDAT chunk');
  if (!ended) throw corrupt('truncated: no IEND chunk');

  const expected = header.height * (header.rowBytes + 1);
  const raw = await inflate(idat, expected, corrupt);
  unfilter(raw, header, corrupt);
  return { width: header.width, height: header.height, rgb: toRgb(raw, header, palette, corrupt) };
}

function checkSignature(bytes: Uint8Array, corrupt: (m: string) => FaceInputError, unsupported: (m: string) => FaceInputError): void {
  if (bytes.length === 0) throw corrupt('file is empty');
  const n = Math.min(bytes.length, SIGNATURE.length);
  let prefixOk = true;
  for (let i = 0; i < n; i++) if (bytes[i] !== SIGNATURE[i]) prefixOk = false;
  if (prefixOk && bytes.length < SIGNATURE.length) throw corrupt(`truncated: ${bytes.length} bytes, shorter than the PNG signature`);
  if (prefixOk) return;
  let kind = 'not a PNG file';
  if (bytes[0] === 0xff && bytes[1] === 0xd8) kind = 'not a PNG file (it is a JPEG)';
  else if (bytes[0] === 0x47 && bytes[1] === 0x49 && bytes[2] === 0x46) kind = 'not a PNG file (it is a GIF)';
  else if (bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) kind = 'not a PNG file (damaged signature: transferred in text mode?)';
  throw unsupported(kind);
}

function parseHeader(d: Uint8Array, corrupt: (m: string) => FaceInputError, unsupported: (m: string) => FaceInputError): Header {
  if (d.length !== 13) throw corrupt(`IHDR has ${d.length} bytes, not 13`);
  const width = readU32(d, 0);
  const height = readU32(d, 4);
  const bitDepth = d[8]!;
  const colorType = d[9]!;
  if (width === 0 || height === 0 || width > MAX_CHUNK_LENGTH || height > MAX_CHUNK_LENGTH) throw corrupt(`invalid dimensions ${width}×${height}`);
  const channels = CHANNELS[colorType];
  if (channels === undefined) throw corrupt(`invalid colour type ${colorType}`);
  const allowedDepths = colorType === 0 ? [1, 2, 4, 8, 16] : colorType === 3 ? [1, 2, 4, 8] : [8, 16];
  if (!allowedDepths.includes(bitDepth)) throw corrupt(`invalid bit depth ${bitDepth} for colour type ${colorType}`);
  if (d[10] !== 0) throw corrupt(`unknown compression method ${d[10]}`);
  if (d[11] !== 0) throw corrupt(`unknown filter method ${d[11]}`);
  if (d[12] !== 0 && d[12] !== 1) throw corrupt(`unknown interlace method ${d[12]}`);
  const what = `${COLOR_NAMES[colorType]} at ${bitDepth} bits`;
  if (d[12] === 1) throw unsupported(`interlaced (Adam7) PNG (${what}); save it non-interlaced`);
  if (bitDepth === 16) throw unsupported(`16-bit PNG (${what}); save it with 8 bits per channel`);
  if (colorType !== 3 && bitDepth !== 8) throw unsupported(`${what}; save it with 8 bits per channel`);
  const bits = channels * bitDepth;
  return { width, height, bitDepth, colorType, channels, rowBytes: Math.ceil((width * bits) / 8), bpp: Math.max(1, bits >> 3) };
}

/** Inflates the concatenated IDAT data (a zlib stream) into exactly `expected` bytes. */
async function inflate(parts: readonly Uint8Array[], expected: number, corrupt: (m: string) => FaceInputError): Promise<Uint8Array> {
  const stream = new DecompressionStream('deflate');
  const writer = stream.writable.getWriter();
  const reader = stream.readable.getReader();
  // Errors of the writing side also reach the reader; this promise only must not reject unhandled.
  const input = new Uint8Array(parts.reduce((s, p) => s + p.length, 0)); // a copy, never a SharedArrayBuffer view
  let at = 0;
  for (const p of parts) {
    input.set(p, at);
    at += p.length;
  }
  const writing = (async () => {
    await writer.write(input);
    await writer.close();
  })().catch(() => undefined);
  const out = new Uint8Array(expected);
  let n = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (value.length > expected - n) {
        await reader.cancel().catch(() => undefined);
        throw corrupt(`image data inflates to more than the ${expected} bytes that the header implies`);
      }
      out.set(value, n);
      n += value.length;
    }
  } catch (e) {
    if (e instanceof FaceInputError) throw e;
    throw corrupt(`image data does not inflate (${e instanceof Error ? e.message : String(e)})`);
  } finally {
    await writing;
  }
  if (n !== expected) throw corrupt(`image data inflates to ${n} bytes, the header implies ${expected}`);
  return out;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Undoes the scanline filters in place; rows keep their filter byte (row r's data starts at r·(rowBytes+1)+1). */
function unfilter(raw: Uint8Array, h: Header, corrupt: (m: string) => FaceInputError): void {
  const stride = h.rowBytes + 1;
  const bpp = h.bpp;
  for (let y = 0; y < h.height; y++) {
    const f = raw[y * stride]!;
    const o = y * stride + 1;
    const up = o - stride; // previous row's data (only read when y > 0)
    switch (f) {
      case 0:
        break;
      case 1:
        for (let i = bpp; i < h.rowBytes; i++) raw[o + i] = (raw[o + i]! + raw[o + i - bpp]!) & 0xff;
        break;
      case 2:
        if (y > 0) for (let i = 0; i < h.rowBytes; i++) raw[o + i] = (raw[o + i]! + raw[up + i]!) & 0xff;
        break;
      case 3:
        for (let i = 0; i < h.rowBytes; i++) {
          const a = i >= bpp ? raw[o + i - bpp]! : 0;
          const b = y > 0 ? raw[up + i]! : 0;
          raw[o + i] = (raw[o + i]! + ((a + b) >> 1)) & 0xff;
        }
        break;
      case 4:
        for (let i = 0; i < h.rowBytes; i++) {
          const a = i >= bpp ? raw[o + i - bpp]! : 0;
          const b = y > 0 ? raw[up + i]! : 0;
          const c = i >= bpp && y > 0 ? raw[up + i - bpp]! : 0;
          raw[o + i] = (raw[o + i]! + paeth(a, b, c)) & 0xff;
        }
        break;
      default:
        throw corrupt(`unknown filter type ${f} on row ${y}`);
    }
  }
}

function toRgb(raw: Uint8Array, h: Header, palette: Uint8Array | undefined, corrupt: (m: string) => FaceInputError): Uint8Array {
  const { width, height, channels } = h;
  const stride = h.rowBytes + 1;
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const o = y * stride + 1;
    const d = y * width * 3;
    if (h.colorType === 3) {
      const pal = palette!;
      const entries = pal.length / 3;
      const depth = h.bitDepth;
      const mask = (1 << depth) - 1;
      for (let x = 0; x < width; x++) {
        const bit = x * depth;
        const idx = (raw[o + (bit >> 3)]! >> (8 - depth - (bit & 7))) & mask;
        if (idx >= entries) throw corrupt(`palette index ${idx} at (${x}, ${y}) outside the ${entries}-entry palette`);
        rgb[d + 3 * x] = pal[3 * idx]!;
        rgb[d + 3 * x + 1] = pal[3 * idx + 1]!;
        rgb[d + 3 * x + 2] = pal[3 * idx + 2]!;
      }
    } else if (channels >= 3) {
      for (let x = 0; x < width; x++) {
        const s = o + x * channels;
        rgb[d + 3 * x] = raw[s]!;
        rgb[d + 3 * x + 1] = raw[s + 1]!;
        rgb[d + 3 * x + 2] = raw[s + 2]!;
      }
    } else {
      for (let x = 0; x < width; x++) {
        const v = raw[o + x * channels]!;
        rgb[d + 3 * x] = v;
        rgb[d + 3 * x + 1] = v;
        rgb[d + 3 * x + 2] = v;
      }
    }
  }
  return rgb;
}

/** Encodes 8-bit RGB (width·height·3 bytes, row-major) as a PNG file (colour type 2, non-interlaced). */
export async function encodePng(rgb: Uint8Array, width: number, height: number, options: PngEncodeOptions = {}): Promise<Uint8Array> {
  if (!(rgb instanceof Uint8Array)) throw new TypeError('encodePng: rgb must be a Uint8Array');
  if (!Number.isSafeInteger(width) || !Number.isSafeInteger(height) || width < 1 || height < 1 || width > MAX_CHUNK_LENGTH || height > MAX_CHUNK_LENGTH) {
    throw new RangeError(`encodePng: invalid size ${width}×${height}`);
  }
  if (rgb.length !== width * height * 3) throw new RangeError(`encodePng: rgb has ${rgb.length} bytes, ${width}×${height}×3 = ${width * height * 3} expected`);
  const compression = options.compression ?? 'deflate';
  if (compression !== 'deflate' && compression !== 'stored') throw new RangeError(`encodePng: unknown compression ${String(compression)}`);
  const filtered = filterRows(rgb, width, height, compression === 'deflate');
  const zlib = compression === 'deflate' ? await deflate(filtered) : storedZlib(filtered);
  const ihdr = new Uint8Array(13);
  writeU32(ihdr, 0, width);
  writeU32(ihdr, 4, height);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB; compression, filter and interlace methods 0
  const chunks = [chunk('IHDR', ihdr), ...splitIdat(zlib), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(SIGNATURE.length + chunks.reduce((s, c) => s + c.length, 0));
  out.set(SIGNATURE, 0);
  let o = SIGNATURE.length;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

function writeU32(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = (v >>> 16) & 0xff;
  b[o + 2] = (v >>> 8) & 0xff;
  b[o + 3] = v & 0xff;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const c = new Uint8Array(data.length + 12);
  writeU32(c, 0, data.length);
  for (let i = 0; i < 4; i++) c[4 + i] = type.charCodeAt(i);
  c.set(data, 8);
  writeU32(c, 8 + data.length, crc32(c, 4, 8 + data.length));
  return c;
}

function splitIdat(zlib: Uint8Array): Uint8Array[] {
  const parts: Uint8Array[] = [];
  const size = 1 << 20;
  for (let o = 0; o < zlib.length; o += size) parts.push(chunk('IDAT', zlib.subarray(o, Math.min(o + size, zlib.length))));
  return parts;
}

/** Filter bytes + filtered rows; `adaptive` picks per row the filter with the least sum of |signed byte|. */
function filterRows(rgb: Uint8Array, width: number, height: number, adaptive: boolean): Uint8Array<ArrayBuffer> {
  const rowBytes = width * 3;
  const out = new Uint8Array(height * (rowBytes + 1));
  const trial = new Uint8Array(rowBytes);
  for (let y = 0; y < height; y++) {
    const o = y * (rowBytes + 1);
    const row = rgb.subarray(y * rowBytes, (y + 1) * rowBytes);
    const prev = y > 0 ? rgb.subarray((y - 1) * rowBytes, y * rowBytes) : undefined;
    out.set(row, o + 1); // filter 0
    if (!adaptive) continue;
    let best = cost(row);
    for (let f = 1; f <= 4; f++) {
      for (let i = 0; i < rowBytes; i++) {
        const a = i >= 3 ? row[i - 3]! : 0;
        const b = prev !== undefined ? prev[i]! : 0;
        const c = i >= 3 && prev !== undefined ? prev[i - 3]! : 0;
        const predictor = f === 1 ? a : f === 2 ? b : f === 3 ? (a + b) >> 1 : paeth(a, b, c);
        trial[i] = (row[i]! - predictor) & 0xff;
      }
      const t = cost(trial);
      if (t < best) {
        best = t;
        out[o] = f;
        out.set(trial, o + 1);
      }
    }
  }
  return out;
}

function cost(row: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < row.length; i++) s += row[i]! < 128 ? row[i]! : 256 - row[i]!;
  return s;
}

async function deflate(data: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  const stream = new Blob([data]).stream().pipeThrough(new CompressionStream('deflate'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** A zlib stream of stored (uncompressed) deflate blocks, RFC 1950/1951, with its Adler-32. */
function storedZlib(data: Uint8Array): Uint8Array {
  const blocks = Math.max(1, Math.ceil(data.length / 65535));
  const out = new Uint8Array(2 + blocks * 5 + data.length + 4);
  out[0] = 0x78; // deflate, 32 KiB window
  out[1] = 0x01; // no dictionary, fastest; (0x78·256 + 0x01) % 31 = 0
  let o = 2;
  for (let k = 0; k < blocks; k++) {
    const start = k * 65535;
    const len = Math.min(65535, data.length - start);
    out[o] = k === blocks - 1 ? 1 : 0; // BFINAL, BTYPE = 00
    out[o + 1] = len & 0xff;
    out[o + 2] = len >>> 8;
    out[o + 3] = ~len & 0xff;
    out[o + 4] = (~len >>> 8) & 0xff;
    out.set(data.subarray(start, start + len), o + 5);
    o += 5 + len;
  }
  let a = 1;
  let b = 0;
  for (let i = 0; i < data.length; i++) {
    a = (a + data[i]!) % 65521;
    b = (b + a) % 65521;
  }
  writeU32(out, o, ((b << 16) | a) >>> 0);
  return out;
}
