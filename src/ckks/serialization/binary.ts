/**
 * Little-endian byte writer and a bounds-checked reader whose every failure is CkksError('CORRUPT_INPUT').
 * Residue vectors are copied as raw little-endian 64-bit words.
 */
import { CkksError } from '../errors.js';

export class ByteWriter {
  private chunks: Uint8Array[] = [];
  private length = 0;

  private push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.length += bytes.length;
  }

  u8(v: number): void {
    this.push(Uint8Array.of(v & 0xff));
  }

  u16(v: number): void {
    const b = new Uint8Array(2);
    new DataView(b.buffer).setUint16(0, v, true);
    this.push(b);
  }

  u32(v: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v, true);
    this.push(b);
  }

  f64(v: number): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v, true);
    this.push(b);
  }

  u64(v: bigint): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, v, true);
    this.push(b);
  }

  bytes(v: Uint8Array): void {
    this.push(v.slice());
  }

  words(v: BigUint64Array): void {
    const b = new Uint8Array(v.length * 8);
    const view = new DataView(b.buffer);
    for (let i = 0; i < v.length; i++) view.setBigUint64(8 * i, v[i]!, true);
    this.push(b);
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
}

export class ByteReader {
  private offset = 0;
  private readonly view: DataView;

  constructor(private readonly data: Uint8Array) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }

  private need(n: number, what: string): void {
    if (this.offset + n > this.data.length) {
      throw new CkksError('CORRUPT_INPUT', `truncated input: ${what} needs ${n} bytes at offset ${this.offset}, ${this.data.length - this.offset} left`);
    }
  }

  u8(what: string): number {
    this.need(1, what);
    return this.view.getUint8(this.offset++);
  }

  u16(what: string): number {
    this.need(2, what);
    const v = this.view.getUint16(this.offset, true);
    this.offset += 2;
    return v;
  }

  u32(what: string): number {
    this.need(4, what);
    const v = this.view.getUint32(this.offset, true);
    this.offset += 4;
    return v;
  }

  f64(what: string): number {
    this.need(8, what);
    const v = this.view.getFloat64(this.offset, true);
    this.offset += 8;
    return v;
  }

  u64(what: string): bigint {
    this.need(8, what);
    const v = this.view.getBigUint64(this.offset, true);
    this.offset += 8;
    return v;
  }

  bytes(n: number, what: string): Uint8Array {
    this.need(n, what);
    const v = this.data.slice(this.offset, this.offset + n);
    this.offset += n;
    return v;
  }

  /** Moves past `n` bytes (bounds-checked; their integrity is the trailer CRC's job). */
  skip(n: number, what: string): void {
    this.need(n, what);
    this.offset += n;
  }

  /** Reads `out.length` words, checking each against `bound` (exclusive): CORRUPT_INPUT otherwise. */
  wordsBelow(out: BigUint64Array, bound: bigint, what: string): void {
    this.need(out.length * 8, what);
    if (LITTLE_ENDIAN && bound <= 0xffffffffffffffffn) {
      // bulk copy (the stored words are little-endian, as is `out`), then check the 32-bit halves as numbers
      new Uint8Array(out.buffer, out.byteOffset, out.length * 8).set(this.data.subarray(this.offset, this.offset + out.length * 8));
      const halves = new Uint32Array(out.buffer, out.byteOffset, 2 * out.length);
      const bHi = Number(bound >> 32n);
      const bLo = Number(bound & 0xffffffffn);
      for (let i = 0; i < out.length; i++) {
        const hi = halves[2 * i + 1]!;
        if (hi > bHi || (hi === bHi && halves[2 * i]! >= bLo)) {
          throw new CkksError('CORRUPT_INPUT', `${what}: value ${out[i]} at index ${i} is not below its modulus ${bound}`);
        }
      }
      this.offset += out.length * 8;
      return;
    }
    for (let i = 0; i < out.length; i++) {
      const v = this.view.getBigUint64(this.offset + 8 * i, true);
      if (v >= bound) throw new CkksError('CORRUPT_INPUT', `${what}: value ${v} at index ${i} is not below its modulus ${bound}`);
      out[i] = v;
    }
    this.offset += out.length * 8;
  }

  get remaining(): number {
    return this.data.length - this.offset;
  }

  get position(): number {
    return this.offset;
  }
}

/** Typed arrays use the platform's byte order; the bulk path of `wordsBelow` needs it to be little-endian. */
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;
