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

  /** Reads `out.length` words, checking each against `bound` (exclusive): CORRUPT_INPUT otherwise. */
  wordsBelow(out: BigUint64Array, bound: bigint, what: string): void {
    this.need(out.length * 8, what);
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
