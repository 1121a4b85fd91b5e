/**
 * RNS base conversion and the two basis changes of hybrid key switching.
 *
 * Fast base conversion (Bajard–Eynard–Hasan–Zucca 2016, "A full RNS variant of FV like somewhat
 * homomorphic encryption schemes", §2.2; Halevi–Polyakov–Shoup 2019, "An improved RNS variant of the BFV
 * homomorphic encryption scheme", §2.1): for x ∈ [0, Q) given by residues x_i mod q_i,
 *   Conv_{Q→P}(x)_j = Σ_i [x_i · q̂_i^{-1}]_{q_i} · q̂_i  mod p_j,   q̂_i = Q/q_i.
 * Each term [x_i·q̂_i^{-1}]_{q_i}·q̂_i lies in [0, Q) and the sum is ≡ x (mod Q), so the sum equals x + u·Q
 * for an integer 0 ≤ u < k (k = number of source primes): the conversion is exact up to that multiple of Q.
 *
 * Centred conversion (Halevi–Polyakov–Shoup 2019, §2.2, with rounding instead of flooring): the integer
 * v = round(Σ_i [x_i·q̂_i^{-1}]_{q_i} / q_i) ∈ [0, k], computed in float64, is the multiple of Q to remove, so that
 *   Σ_i [x_i·q̂_i^{-1}]_{q_i}·q̂_i − v·Q = x_c, the centred representative of x in [−Q/2, Q/2)
 * (exactly, except that within ≈ k·2^-52·Q of ±Q/2 either of the two representatives may come out).
 * Key switching needs it: digits in [0, Q) or carrying u·Q have a mean ≈ Q/2 per coefficient, a bias that
 * the key's error turns into a large error in the slots near +1 (see `KeySwitcher.decompose`).
 *
 * ModUp (Han–Ki 2020, "Better bootstrapping for approximate homomorphic encryption", §3) extends x from a basis
 * B (Q_ℓ or one digit of it) to a superset C ⊇ B (e.g. Q_ℓ ∪ P): residues for primes of B are copied, the
 * others are Conv_{B→C∖B}(x) — i.e. x + u·∏B with 0 ≤ u < |B| (or the centred x exactly, `centered`).
 * Its counterpart, the rounded division by P (ModDown), works in the NTT domain: `modDown.ts`.
 *
 * Everything here works in COEFFICIENT form (inputs are checked; the callers do the NTTs).
 * Hot loops, per block of 1024 coefficients: one Shoup product per source coefficient, then per target
 * prime k lazy Shoup products accumulated in [0, 2p) (Harvey 2014) — or, for targets with 4·k·p < 2^64, k products
 * in [0, 4p) summed without any reduction and reduced once (`lazyTarget`); all kernels follow the
 * BigInt-lowering rules of `modularKernels.ts` and are warmed up at load time (see the end of this file).
 */
import { CkksError } from '../errors.js';
import { modInverse, shoupCompanion } from './modularScalar.js';
import { reduceBarrett } from './modularKernels.js';
import { RnsBasis } from './rnsBasis.js';
import type { RnsPoly } from './rnsPoly.js';

const M32 = 0xffffffffn;
/** Coefficients per block of `convertBlock`: 8 KiB per row, so k scratch rows stay in L1/L2. */
const BLOCK = 1024;

function checkLimbArrays(arrays: readonly BigUint64Array[], count: number, n: number, what: string): void {
  if (!Array.isArray(arrays)) throw new TypeError(`${what}: expected an array of BigUint64Array limbs`);
  if (arrays.length !== count) throw new RangeError(`${what}: ${arrays.length} limbs, expected ${count}`);
  for (const a of arrays) {
    if (!(a instanceof BigUint64Array)) throw new TypeError(`${what}: every limb must be a BigUint64Array`);
    if (a.length !== n) throw new RangeError(`${what}: limb of length ${a.length}, expected ${n}`);
  }
}

/**
 * The common length of the limb views of a conversion: whole limbs (N words) or views of the same coefficient range
 * of every limb (a conversion works coefficient by coefficient, so a thread can convert half of the coefficients).
 */
function viewLength(src: readonly BigUint64Array[], n: number, what: string): number {
  const len = src[0]?.length ?? n;
  if (!Number.isInteger(len) || len < 1 || len > n) throw new RangeError(`${what}: limb views of length ${len}, expected 1 … N = ${n}`);
  return len;
}

function sameRing(a: RnsBasis, b: RnsBasis, what: string): void {
  if (!(a instanceof RnsBasis) || !(b instanceof RnsBasis)) throw new TypeError(`${what}: expected RnsBasis arguments`);
  if (a.ringDegree !== b.ringDegree) {
    throw new CkksError('INCOMPATIBLE_PARAMETERS', `${what}: bases for different ring degrees (${a.ringDegree}, ${b.ringDegree})`);
  }
}

/** True when two typed arrays share at least one byte. */
export function buffersOverlap(x: BigUint64Array, y: BigUint64Array): boolean {
  if (x.buffer !== y.buffer) return false;
  return x.byteOffset < y.byteOffset + y.byteLength && y.byteOffset < x.byteOffset + x.byteLength;
}

/**
 * Precomputed fast base conversion Conv_{from→to}. The output y_j ∈ [0, p_j) satisfies
 * y_j = (x + u·Q) mod p_j for every j with one integer u ∈ [0, k), k = from.size, where x ∈ [0, Q) is the
 * integer the input residues represent. With k = 1 the conversion is exact (u = 0).
 */
export class BaseConverter {
  /** Source basis (primes q_i, product Q). */
  readonly from: RnsBasis;
  /** Target basis (primes p_j). */
  readonly to: RnsBasis;
  /** q̂_i^{-1} mod q_i (read-only). */
  readonly qHatInv: BigUint64Array;
  /** Shoup companions of `qHatInv` (read-only). */
  readonly qHatInvShoup: BigUint64Array;
  /** q̂_i mod p_j at index j·k + i (read-only). */
  readonly qHatModP: BigUint64Array;
  /** Shoup companions of `qHatModP` (read-only). */
  readonly qHatModPShoup: BigUint64Array;
  /** 1/q_i as float64 (centred conversion). */
  private readonly inverseFloat: Float64Array;
  /** v·Q mod p_j at index j·(k + 1) + v, v = 0 … k (centred conversion). */
  private readonly multiplesOfQ: BigUint64Array;
  /**
   * 1 where target p_j takes the reduction-free sum (`convertBlock`): k ≥ 2 terms, each in [0, 4p_j), with
   * 4·k·p_j < 2^64 (every target below 2^58 for k ≤ 16; the 40–58-bit primes of most parameter sets).
   */
  readonly lazyTarget: Uint8Array;
  private scratch: BigUint64Array | null = null;
  private centring: { sum: Float64Array; v: Uint8Array } | null = null;

  /** Precomputes the constants (BigInt; O(k·m) big divisions). Bases must share the ring degree. */
  constructor(from: RnsBasis, to: RnsBasis) {
    sameRing(from, to, 'BaseConverter');
    this.from = from;
    this.to = to;
    const k = from.size;
    const m = to.size;
    const Q = from.product();
    const qs = from.primes;
    const ps = to.primes;
    this.qHatInv = new BigUint64Array(k);
    this.qHatInvShoup = new BigUint64Array(k);
    this.qHatModP = new BigUint64Array(k * m);
    this.qHatModPShoup = new BigUint64Array(k * m);
    this.inverseFloat = Float64Array.from(qs, (q) => 1 / Number(q));
    this.multiplesOfQ = new BigUint64Array(m * (k + 1));
    this.lazyTarget = Uint8Array.from(ps, (p) => (k >= 2 && 4n * BigInt(k) * p < 1n << 64n ? 1 : 0));
    for (let j = 0; j < m; j++) {
      for (let v = 0; v <= k; v++) this.multiplesOfQ[j * (k + 1) + v] = (BigInt(v) * Q) % ps[j]!;
    }
    for (let i = 0; i < k; i++) {
      const q = qs[i]!;
      const qHat = Q / q;
      const inv = modInverse(qHat % q, q);
      this.qHatInv[i] = inv;
      this.qHatInvShoup[i] = shoupCompanion(inv, q);
      for (let j = 0; j < m; j++) {
        const p = ps[j]!;
        const w = qHat % p;
        this.qHatModP[j * k + i] = w;
        this.qHatModPShoup[j * k + i] = shoupCompanion(w, p);
      }
    }
  }

  /** The k·BLOCK-word scratch of this converter, allocated once. */
  private blockScratch(): BigUint64Array {
    if (this.scratch === null) this.scratch = new BigUint64Array(this.from.size * Math.min(BLOCK, this.from.ringDegree));
    return this.scratch;
  }

  /**
   * Raw conversion on limb arrays: `src[i]` holds x mod q_i (N words, each < q_i), `dst[j]` receives
   * Conv(x) mod p_j. A destination may be the very same array as a source (each block of coefficients is
   * consumed into a scratch buffer before that block of the destinations is written). The arrays may also all be
   * views of the same coefficient range (equal lengths ≤ N): the thread pool converts halves in parallel.
   */
  convertLimbs(src: readonly BigUint64Array[], dst: readonly BigUint64Array[]): void {
    this.convert_(src, dst, false);
  }

  /**
   * Like `convertLimbs`, but `dst[j]` receives x_c mod p_j for the CENTRED representative x_c ∈ [−Q/2, Q/2) of
   * x (no multiple of Q added; see the file header). Costs one float64 pass over the sources and one
   * table-lookup subtraction per target residue on top of `convertLimbs`. `dst` must not alias `src`.
   */
  convertLimbsCentered(src: readonly BigUint64Array[], dst: readonly BigUint64Array[]): void {
    for (const a of src) for (const b of dst) if (buffersOverlap(a, b)) throw new RangeError('BaseConverter.convertLimbsCentered: output must not alias the input');
    this.convert_(src, dst, true);
  }

  private centringScratch(): { sum: Float64Array; v: Uint8Array } {
    const len = Math.min(BLOCK, this.from.ringDegree);
    this.centring ??= { sum: new Float64Array(len), v: new Uint8Array(len) };
    return this.centring;
  }

  /**
   * Internal: the multiples v ∈ [0, k] of Q to subtract from coefficients [off, off + len) of the conversion,
   * from the fully reduced t_i = [x_i·q̂_i^{-1}]_{q_i} (row i of `t` at `i·stride + tOff`).
   */
  private roundedQuotients(t: BigUint64Array, tOff: number, stride: number, len: number): Uint8Array {
    const { sum, v } = this.centringScratch();
    const words = new Uint32Array(t.buffer, t.byteOffset, 2 * t.length);
    sum.fill(0, 0, len);
    for (let i = 0; i < this.from.size; i++) accumulateQuotientKernel(words, 2 * (i * stride + tOff), this.inverseFloat[i]!, sum, len);
    for (let c = 0; c < len; c++) v[c] = Math.round(sum[c]!);
    return v;
  }

  /** Internal: out[off + c] −= (v[c]·Q mod p_j) mod p_j for c < len. */
  subtractMultiples(v: Uint8Array, j: number, out: BigUint64Array, off: number, len: number): void {
    subtractTableKernel(out, off, len, v, this.multiplesOfQ, j * (this.from.size + 1), this.to.moduli[j]!.value);
  }

  private convert_(src: readonly BigUint64Array[], dst: readonly BigUint64Array[], centered: boolean): void {
    const n = viewLength(src, this.from.ringDegree, 'BaseConverter.convertLimbs');
    checkLimbArrays(src, this.from.size, n, 'BaseConverter.convertLimbs (source)');
    checkLimbArrays(dst, this.to.size, n, 'BaseConverter.convertLimbs (target)');
    if (this.from.size === 1 && centered) {
      // One prime q: x_c = x − q·[x > ⌊q/2⌋], selected branch-free per coefficient (no float pass needed).
      const q = this.from.moduli[0]!.value;
      for (let j = 0; j < this.to.size; j++) {
        const m = this.to.moduli[j]!;
        if (q > m.value) reduceBarrett(src[0]!, dst[j]!, m.value, m.barrett);
        centreSinglePrimeKernel(src[0]!, q >> 1n, q <= m.value ? src[0]! : dst[j]!, dst[j]!, this.multiplesOfQ[2 * j + 1]!, m.value);
      }
      return;
    }
    if (this.from.size === 1) {
      // From one prime q the conversion is exact: q̂ = 1, so Conv(x) mod p = x mod p (one Barrett pass, or a
      // copy when q < p). This is every ModUp of hybrid key switching with one prime per digit.
      const q = this.from.moduli[0]!.value;
      for (let j = 0; j < this.to.size; j++) {
        const m = this.to.moduli[j]!;
        if (q <= m.value) {
          if (dst[j] !== src[0]) dst[j]!.set(src[0]!);
        } else {
          reduceBarrett(src[0]!, dst[j]!, m.value, m.barrett);
        }
      }
      return;
    }
    const t = this.blockScratch();
    for (let c = 0; c < n; c += BLOCK) {
      const block = Math.min(BLOCK, n - c);
      convertBlock(this, t, src, c, block, dst, c);
      if (centered) {
        const v = this.roundedQuotients(t, 0, block, block);
        for (let j = 0; j < this.to.size; j++) this.subtractMultiples(v, j, dst[j]!, c, block);
      }
    }
  }

  /** out = Conv_{from→to}(a); `a` over `from`, `out` over `to`, both in coefficient form. Returns `out`. */
  convert(a: RnsPoly, out: RnsPoly): RnsPoly {
    this.from.assertSame(a.basis, 'BaseConverter.convert (input)');
    this.to.assertSame(out.basis, 'BaseConverter.convert (output)');
    a.requireForm('coefficient', 'BaseConverter.convert');
    convertPolys(this, a, out);
    out.form = 'coefficient';
    return out;
  }
}

function limbViews(p: RnsPoly): BigUint64Array[] {
  const views: BigUint64Array[] = [];
  for (let l = 0; l < p.limbCount; l++) views.push(p.limb(l));
  return views;
}

function convertPolys(conv: BaseConverter, a: RnsPoly, out: RnsPoly): void {
  conv.convertLimbs(limbViews(a), limbViews(out));
}

/**
 * Converts coefficients [srcOff, srcOff + len) of the source limbs into [dstOff, dstOff + len) of the
 * target limbs (len ≤ BLOCK). Blocks keep the scratch at k·BLOCK words (not k·N) and the rows being
 * accumulated in L1/L2; against whole-limb passes the speed measured the same within noise at N = 2^16.
 */
function convertBlock(
  conv: BaseConverter, t: BigUint64Array, src: readonly BigUint64Array[], srcOff: number, len: number,
  dst: readonly BigUint64Array[], dstOff: number,
): void {
  const k = conv.from.size;
  const m = conv.to.size;
  const qm = conv.from.moduli;
  const pm = conv.to.moduli;
  const W = conv.qHatModP;
  const WP = conv.qHatModPShoup;
  // t_i = [x_i · q̂_i^{-1}]_{q_i}, fully reduced (the bound u < k needs t_i < q_i).
  for (let i = 0; i < k; i++) {
    shoupFullKernel(src[i]!, srcOff, conv.qHatInv[i]!, conv.qHatInvShoup[i]!, t, i * len, len, qm[i]!.value);
  }
  for (let j = 0; j < m; j++) {
    const p = pm[j]!.value;
    const out = dst[j]!;
    const base = j * k;
    if (k === 1) {
      shoupFullKernel(t, 0, W[base]!, WP[base]!, out, dstOff, len, p);
      continue;
    }
    if (conv.lazyTarget[j] === 1) {
      // terms in [0, 4p) summed without reduction (4·k·p < 2^64), one reduction with the last term
      shoupApproxKernel(t, 0, W[base]!, WP[base]!, out, dstOff, len, p);
      for (let i = 1; i < k - 1; i++) shoupApproxAccumulateKernel(t, i * len, W[base + i]!, WP[base + i]!, out, dstOff, len, p);
      shoupApproxAccumulateFinalKernel(t, (k - 1) * len, W[base + k - 1]!, WP[base + k - 1]!, out, dstOff, len, p, pm[j]!.barrett);
      continue;
    }
    shoupLazyKernel(t, 0, W[base]!, WP[base]!, out, dstOff, len, p);
    for (let i = 1; i < k - 1; i++) shoupAccumulateKernel(t, i * len, W[base + i]!, WP[base + i]!, out, dstOff, len, p);
    shoupAccumulateFinalKernel(t, (k - 1) * len, W[base + k - 1]!, WP[base + k - 1]!, out, dstOff, len, p);
  }
}

/**
 * ModUp: extends a polynomial from basis `from` to a basis `to` that contains every prime of `from`
 * (in any positions), e.g. a digit of Q_ℓ to Q_ℓ ∪ P. Residues for primes of `from` are copied; the others
 * are Conv_{from→to∖from}, i.e. they represent x + u·∏from with 0 ≤ u < from.size.
 */
export class ModUpConverter {
  readonly from: RnsBasis;
  readonly to: RnsBasis;
  /** For each limb of `to`: the index of the same prime in `from`, or −1 if it is converted. */
  private readonly sourceIndex: Int32Array;
  /** Indices (in `to`) of the converted limbs, in the order of `converter.to`. */
  private readonly convertedIndex: Int32Array;
  private readonly converter: BaseConverter | null;
  /** Extends the centred representative of x (in [−∏from/2, ∏from/2)), with no multiple of ∏from added. */
  readonly centered: boolean;

  /**
   * Precomputes the conversion; throws INCOMPATIBLE_PARAMETERS if a prime of `from` is missing in `to`. With
   * `centered`, the converted residues are those of the centred representative (`convertLimbsCentered`).
   */
  constructor(from: RnsBasis, to: RnsBasis, options: { centered?: boolean } = {}) {
    sameRing(from, to, 'ModUpConverter');
    this.from = from;
    this.to = to;
    this.centered = options.centered === true;
    const fromPrimes = from.primes;
    const toPrimes = to.primes;
    this.sourceIndex = new Int32Array(to.size);
    const converted: number[] = [];
    for (let j = 0; j < to.size; j++) {
      const i = fromPrimes.indexOf(toPrimes[j]!);
      this.sourceIndex[j] = i;
      if (i < 0) converted.push(j);
    }
    for (const q of fromPrimes) {
      if (!toPrimes.includes(q)) {
        throw new CkksError('INCOMPATIBLE_PARAMETERS', `ModUpConverter: prime ${q} of the source basis is not in the target basis`);
      }
    }
    this.convertedIndex = Int32Array.from(converted);
    this.converter = converted.length === 0
      ? null
      : new BaseConverter(from, RnsBasis.fromTables(converted.map((j) => to.tables[j]!)));
  }

  /**
   * Raw ModUp on limb arrays (`src` over `from`, `dst` over `to`; whole limbs or views of one coefficient range, as
   * `BaseConverter.convertLimbs`); `dst` must not alias `src`.
   */
  applyLimbs(src: readonly BigUint64Array[], dst: readonly BigUint64Array[]): void {
    const n = viewLength(src, this.from.ringDegree, 'ModUpConverter');
    checkLimbArrays(src, this.from.size, n, 'ModUpConverter (source)');
    checkLimbArrays(dst, this.to.size, n, 'ModUpConverter (target)');
    for (const s of src) for (const d of dst) if (buffersOverlap(s, d)) throw new RangeError('ModUpConverter: output must not alias the input');
    for (let j = 0; j < this.to.size; j++) {
      const i = this.sourceIndex[j]!;
      if (i >= 0) dst[j]!.set(src[i]!);
    }
    if (this.converter !== null) {
      const targets: BigUint64Array[] = [];
      for (let c = 0; c < this.convertedIndex.length; c++) targets.push(dst[this.convertedIndex[c]!]!);
      if (this.centered) this.converter.convertLimbsCentered(src, targets);
      else this.converter.convertLimbs(src, targets);
    }
  }

  /** out (over `to`) = ModUp(a) for `a` over `from`, both coefficient form, no shared memory. Returns `out`. */
  apply(a: RnsPoly, out: RnsPoly): RnsPoly {
    this.from.assertSame(a.basis, 'ModUpConverter.apply (input)');
    this.to.assertSame(out.basis, 'ModUpConverter.apply (output)');
    a.requireForm('coefficient', 'ModUpConverter.apply');
    this.applyLimbs(limbViews(a), limbViews(out));
    out.form = 'coefficient';
    return out;
  }
}

const baseConverterCache = new WeakMap<RnsBasis, WeakMap<RnsBasis, BaseConverter>>();
const modUpCache = new WeakMap<RnsBasis, WeakMap<RnsBasis, ModUpConverter>>();

function cached<T>(cache: WeakMap<RnsBasis, WeakMap<RnsBasis, T>>, a: RnsBasis, b: RnsBasis, make: () => T): T {
  let inner = cache.get(a);
  if (inner === undefined) {
    inner = new WeakMap();
    cache.set(a, inner);
  }
  let v = inner.get(b);
  if (v === undefined) {
    v = make();
    inner.set(b, v);
  }
  return v;
}

/** out = Conv_{a.basis→out.basis}(a) (coefficient form), with the converter cached per pair of basis objects. */
export function fastBaseConvert(a: RnsPoly, out: RnsPoly): RnsPoly {
  return cached(baseConverterCache, a.basis, out.basis, () => new BaseConverter(a.basis, out.basis)).convert(a, out);
}

/** out = ModUp(a) from a.basis to out.basis (coefficient form), converter cached per pair of basis objects. */
export function modUp(a: RnsPoly, out: RnsPoly): RnsPoly {
  return cached(modUpCache, a.basis, out.basis, () => new ModUpConverter(a.basis, out.basis)).apply(a, out);
}

// ---- kernels (module-level, lowered BigInt) ----

/** out[oo + n] = x[xo + n]·w mod q, fully reduced into [0, q) (Shoup; any 64-bit x), n < len. */
function shoupFullKernel(
  x: BigUint64Array, xo: number, weight: bigint, weightShoup: bigint, out: BigUint64Array, oo: number, len: number, modulus: bigint,
): void {
  const q = BigInt.asUintN(64, modulus);
  const w = BigInt.asUintN(64, weight);
  const wp = BigInt.asUintN(64, weightShoup);
  const wp0 = BigInt.asUintN(64, wp & M32), wp1 = BigInt.asUintN(64, wp >> 32n);
  for (let n = 0; n < len; n++) {
    const v = x[xo + n]!;
    const v0 = BigInt.asUintN(64, v & M32), v1 = BigInt.asUintN(64, v >> 32n);
    const p00 = BigInt.asUintN(64, v0 * wp0), p01 = BigInt.asUintN(64, v0 * wp1), p10 = BigInt.asUintN(64, v1 * wp0);
    const mid = BigInt.asUintN(64, BigInt.asUintN(64, p00 >> 32n) + BigInt.asUintN(64, p01 & M32) + BigInt.asUintN(64, p10 & M32));
    const hq = BigInt.asUintN(64, v1 * wp1 + BigInt.asUintN(64, p01 >> 32n) + BigInt.asUintN(64, p10 >> 32n) + BigInt.asUintN(64, mid >> 32n));
    const r = BigInt.asIntN(64, v * w - hq * q - q);
    out[oo + n] = BigInt.asUintN(64, r + BigInt.asUintN(64, q & BigInt.asUintN(64, r >> 63n)));
  }
}

/** out[oo + n] = x[xo + n]·w mod p, lazily in [0, 2p) (Shoup; any 64-bit x), n < len. */
function shoupLazyKernel(
  x: BigUint64Array, xo: number, weight: bigint, weightShoup: bigint, out: BigUint64Array, oo: number, len: number, modulus: bigint,
): void {
  const p = BigInt.asUintN(64, modulus);
  const w = BigInt.asUintN(64, weight);
  const wp = BigInt.asUintN(64, weightShoup);
  const wp0 = BigInt.asUintN(64, wp & M32), wp1 = BigInt.asUintN(64, wp >> 32n);
  for (let n = 0; n < len; n++) {
    const v = x[xo + n]!;
    const v0 = BigInt.asUintN(64, v & M32), v1 = BigInt.asUintN(64, v >> 32n);
    const p00 = BigInt.asUintN(64, v0 * wp0), p01 = BigInt.asUintN(64, v0 * wp1), p10 = BigInt.asUintN(64, v1 * wp0);
    const mid = BigInt.asUintN(64, BigInt.asUintN(64, p00 >> 32n) + BigInt.asUintN(64, p01 & M32) + BigInt.asUintN(64, p10 & M32));
    const hq = BigInt.asUintN(64, v1 * wp1 + BigInt.asUintN(64, p01 >> 32n) + BigInt.asUintN(64, p10 >> 32n) + BigInt.asUintN(64, mid >> 32n));
    out[oo + n] = BigInt.asUintN(64, v * w - hq * p);
  }
}

/**
 * out[oo + n] = x[xo + n]·w − h'·p ∈ [0, 4p) for any 64-bit x, with the approximate Shoup quotient
 * h' = x1·w'1 + ⌊x0·w'1/2^32⌋ + ⌊x1·w'0/2^32⌋ (h − 2 ≤ h' ≤ h: three 32×32 products, as the NTT's), n < len.
 */
function shoupApproxKernel(
  x: BigUint64Array, xo: number, weight: bigint, weightShoup: bigint, out: BigUint64Array, oo: number, len: number, modulus: bigint,
): void {
  const p = BigInt.asUintN(64, modulus);
  const w = BigInt.asUintN(64, weight);
  const wp = BigInt.asUintN(64, weightShoup);
  const wp0 = BigInt.asUintN(64, wp & M32), wp1 = BigInt.asUintN(64, wp >> 32n);
  for (let n = 0; n < len; n++) {
    const v = x[xo + n]!;
    const v0 = BigInt.asUintN(64, v & M32), v1 = BigInt.asUintN(64, v >> 32n);
    const h = BigInt.asUintN(64, v1 * wp1 + BigInt.asUintN(64, BigInt.asUintN(64, v0 * wp1) >> 32n) + BigInt.asUintN(64, BigInt.asUintN(64, v1 * wp0) >> 32n));
    out[oo + n] = BigInt.asUintN(64, v * w - h * p);
  }
}

/** acc[ao + n] += x[xo + n]·w − h'·p (a term in [0, 4p), as `shoupApproxKernel`), unreduced: the caller bounds the sum. */
function shoupApproxAccumulateKernel(
  x: BigUint64Array, xo: number, weight: bigint, weightShoup: bigint, acc: BigUint64Array, ao: number, len: number, modulus: bigint,
): void {
  const p = BigInt.asUintN(64, modulus);
  const w = BigInt.asUintN(64, weight);
  const wp = BigInt.asUintN(64, weightShoup);
  const wp0 = BigInt.asUintN(64, wp & M32), wp1 = BigInt.asUintN(64, wp >> 32n);
  for (let n = 0; n < len; n++) {
    const v = x[xo + n]!;
    const v0 = BigInt.asUintN(64, v & M32), v1 = BigInt.asUintN(64, v >> 32n);
    const h = BigInt.asUintN(64, v1 * wp1 + BigInt.asUintN(64, BigInt.asUintN(64, v0 * wp1) >> 32n) + BigInt.asUintN(64, BigInt.asUintN(64, v1 * wp0) >> 32n));
    acc[ao + n] = BigInt.asUintN(64, acc[ao + n]! + BigInt.asUintN(64, v * w - h * p));
  }
}

/**
 * acc[ao + n] ← (acc[ao + n] + x[xo + n]·w) mod p in [0, p): the last term added as `shoupApproxAccumulateKernel`
 * (the whole sum s < 2^64), then a Shoup reduction of s by 1 (1' = ⌊2^64/p⌋ = `barrett`, approximate quotient:
 * s − g'·p ∈ [0, 4p)) and two conditional subtractions.
 */
function shoupApproxAccumulateFinalKernel(
  x: BigUint64Array, xo: number, weight: bigint, weightShoup: bigint, acc: BigUint64Array, ao: number, len: number, modulus: bigint, barrett: bigint,
): void {
  const p = BigInt.asUintN(64, modulus);
  const twop = BigInt.asUintN(64, p + p);
  const w = BigInt.asUintN(64, weight);
  const wp = BigInt.asUintN(64, weightShoup);
  const wp0 = BigInt.asUintN(64, wp & M32), wp1 = BigInt.asUintN(64, wp >> 32n);
  const b = BigInt.asUintN(64, barrett);
  const b0 = BigInt.asUintN(64, b & M32), b1 = BigInt.asUintN(64, b >> 32n);
  for (let n = 0; n < len; n++) {
    const v = x[xo + n]!;
    const v0 = BigInt.asUintN(64, v & M32), v1 = BigInt.asUintN(64, v >> 32n);
    const h = BigInt.asUintN(64, v1 * wp1 + BigInt.asUintN(64, BigInt.asUintN(64, v0 * wp1) >> 32n) + BigInt.asUintN(64, BigInt.asUintN(64, v1 * wp0) >> 32n));
    const s = BigInt.asUintN(64, acc[ao + n]! + BigInt.asUintN(64, v * w - h * p));
    const s0 = BigInt.asUintN(64, s & M32), s1 = BigInt.asUintN(64, s >> 32n);
    const g = BigInt.asUintN(64, s1 * b1 + BigInt.asUintN(64, BigInt.asUintN(64, s0 * b1) >> 32n) + BigInt.asUintN(64, BigInt.asUintN(64, s1 * b0) >> 32n));
    const r = BigInt.asIntN(64, s - g * p - twop);
    const r1 = BigInt.asIntN(64, r + BigInt.asUintN(64, twop & BigInt.asUintN(64, r >> 63n)) - p);
    acc[ao + n] = BigInt.asUintN(64, r1 + BigInt.asUintN(64, p & BigInt.asUintN(64, r1 >> 63n)));
  }
}

/** acc[ao + n] ← (acc[ao + n] + x[xo + n]·w) reduced into [0, 2p); acc in [0, 2p) on entry (sum < 4p < 2^64). */
function shoupAccumulateKernel(
  x: BigUint64Array, xo: number, weight: bigint, weightShoup: bigint, acc: BigUint64Array, ao: number, len: number, modulus: bigint,
): void {
  const p = BigInt.asUintN(64, modulus);
  const twop = BigInt.asUintN(64, p + p);
  const w = BigInt.asUintN(64, weight);
  const wp = BigInt.asUintN(64, weightShoup);
  const wp0 = BigInt.asUintN(64, wp & M32), wp1 = BigInt.asUintN(64, wp >> 32n);
  for (let n = 0; n < len; n++) {
    const v = x[xo + n]!;
    const v0 = BigInt.asUintN(64, v & M32), v1 = BigInt.asUintN(64, v >> 32n);
    const p00 = BigInt.asUintN(64, v0 * wp0), p01 = BigInt.asUintN(64, v0 * wp1), p10 = BigInt.asUintN(64, v1 * wp0);
    const mid = BigInt.asUintN(64, BigInt.asUintN(64, p00 >> 32n) + BigInt.asUintN(64, p01 & M32) + BigInt.asUintN(64, p10 & M32));
    const hq = BigInt.asUintN(64, v1 * wp1 + BigInt.asUintN(64, p01 >> 32n) + BigInt.asUintN(64, p10 >> 32n) + BigInt.asUintN(64, mid >> 32n));
    const s = BigInt.asIntN(64, acc[ao + n]! + BigInt.asUintN(64, v * w - hq * p) - twop);
    acc[ao + n] = BigInt.asUintN(64, s + BigInt.asUintN(64, twop & BigInt.asUintN(64, s >> 63n)));
  }
}

/** acc[ao + n] ← (acc[ao + n] + x[xo + n]·w) mod p, fully reduced into [0, p); acc in [0, 2p) on entry. */
function shoupAccumulateFinalKernel(
  x: BigUint64Array, xo: number, weight: bigint, weightShoup: bigint, acc: BigUint64Array, ao: number, len: number, modulus: bigint,
): void {
  const p = BigInt.asUintN(64, modulus);
  const twop = BigInt.asUintN(64, p + p);
  const w = BigInt.asUintN(64, weight);
  const wp = BigInt.asUintN(64, weightShoup);
  const wp0 = BigInt.asUintN(64, wp & M32), wp1 = BigInt.asUintN(64, wp >> 32n);
  for (let n = 0; n < len; n++) {
    const v = x[xo + n]!;
    const v0 = BigInt.asUintN(64, v & M32), v1 = BigInt.asUintN(64, v >> 32n);
    const p00 = BigInt.asUintN(64, v0 * wp0), p01 = BigInt.asUintN(64, v0 * wp1), p10 = BigInt.asUintN(64, v1 * wp0);
    const mid = BigInt.asUintN(64, BigInt.asUintN(64, p00 >> 32n) + BigInt.asUintN(64, p01 & M32) + BigInt.asUintN(64, p10 & M32));
    const hq = BigInt.asUintN(64, v1 * wp1 + BigInt.asUintN(64, p01 >> 32n) + BigInt.asUintN(64, p10 >> 32n) + BigInt.asUintN(64, mid >> 32n));
    const s = BigInt.asIntN(64, acc[ao + n]! + BigInt.asUintN(64, v * w - hq * p) - twop);
    const s1 = BigInt.asIntN(64, s + BigInt.asUintN(64, twop & BigInt.asUintN(64, s >> 63n)) - p);
    acc[ao + n] = BigInt.asUintN(64, s1 + BigInt.asUintN(64, p & BigInt.asUintN(64, s1 >> 63n)));
  }
}

/**
 * sum[c] += t_c / q for c < len, with t_c the 64-bit word at 32-bit index wo + 2c of `words` (little-endian
 * halves, read as float64: no BigInt-to-Number conversion, which would allocate). Relative error ≈ 2^-52.
 */
function accumulateQuotientKernel(words: Uint32Array, wo: number, inverse: number, sum: Float64Array, len: number): void {
  for (let c = 0; c < len; c++) {
    const lo = words[wo + 2 * c]!;
    const hi = words[wo + 2 * c + 1]!;
    sum[c] = sum[c]! + (hi * 4294967296 + lo) * inverse;
  }
}

/**
 * out[c] ← (reduced[c] − [x[c] > half]·(q mod p)) mod p: the residue mod p of the centred representative of
 * x[c] ∈ [0, q), given reduced[c] = x[c] mod p (which may be x itself when q ≤ p). `reduced` may alias `out`.
 */
function centreSinglePrimeKernel(x: BigUint64Array, half: bigint, reduced: BigUint64Array, out: BigUint64Array, qModP: bigint, modulus: bigint): void {
  const p = BigInt.asUintN(64, modulus);
  const h = BigInt.asUintN(64, half);
  const w = BigInt.asUintN(64, qModP);
  const n = out.length;
  for (let c = 0; c < n; c++) {
    const above = BigInt.asUintN(64, BigInt.asIntN(64, h - x[c]!) >> 63n); // all ones when x > half
    const r = BigInt.asIntN(64, reduced[c]! - BigInt.asUintN(64, above & w));
    out[c] = BigInt.asUintN(64, r + BigInt.asUintN(64, p & BigInt.asUintN(64, r >> 63n)));
  }
}

/** out[oo + c] ← (out[oo + c] − table[to + v[c]]) mod p for c < len (out and table entries in [0, p)). */
function subtractTableKernel(out: BigUint64Array, oo: number, len: number, v: Uint8Array, table: BigUint64Array, to: number, modulus: bigint): void {
  const p = BigInt.asUintN(64, modulus);
  for (let c = 0; c < len; c++) {
    const r = BigInt.asIntN(64, out[oo + c]! - table[to + v[c]!]!);
    out[oo + c] = BigInt.asUintN(64, r + BigInt.asUintN(64, p & BigInt.asUintN(64, r >> 63n)));
  }
}

/**
 * Runs every kernel a few times on tiny arrays when the module loads (microseconds). Measured on Node 20:
 * when a kernel's FIRST call is already large, V8 optimizes it on-stack before the entry code has type
 * feedback; that code deoptimizes and the re-optimized code often loses the int64 lowering (it then
 * allocates a heap BigInt per operation: ~1900 scavenges in 31 conversions at N = 2^16, 2–3× slower).
 * With feedback gathered up front the lowering applied in every run (0–3 scavenges).
 */
function warmUpKernels(): void {
  const q = (1n << 61n) - 1n;
  const w = 0x123456789abcdefn;
  const wp = (w << 64n) / q;
  const x = new BigUint64Array(8).map((_, i) => BigInt(i) * 0x1f2e3d4c5b6a798n);
  const out = new BigUint64Array(16);
  for (let r = 0; r < 32; r++) {
    shoupFullKernel(x, 0, w, wp, out, 8, 8, q);
    shoupLazyKernel(x, 0, w, wp, out, 0, 8, q);
    shoupAccumulateKernel(x, 0, w, wp, out, 0, 8, q);
    shoupAccumulateFinalKernel(x, 0, w, wp, out, 0, 8, q);
    shoupApproxKernel(x, 0, w, wp, out, 0, 8, q);
    shoupApproxAccumulateKernel(x, 0, w, wp, out, 0, 8, q);
    shoupApproxAccumulateFinalKernel(x, 0, w, wp, out, 0, 8, q, (1n << 64n) / q);
    subtractTableKernel(out, 0, 8, new Uint8Array(8).fill(r & 1), x, 0, q);
    centreSinglePrimeKernel(x, q >> 1n, x, out.subarray(0, 8), w, q);
  }
}
warmUpKernels();
