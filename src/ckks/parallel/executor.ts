/**
 * Runs the units of the task protocol (`protocol.ts`) — the same code on the calling thread and in every worker. A
 * worker holds a `CkksContext` rebuilt from the attached context's parameters (same primes, same derived bases).
 *
 * Every unit calls the ring layer's own functions (`nttForward`, `ModUpConverter`, `mulMontgomeryAccumulate2`,
 * `BaseConverter`, `rescaleByLastPrime`, `applyAutomorphism`, the element-wise kernels) or the scheme's `KeySwitcher`
 * (whole rotations) on the very words the single-threaded path would pass them, in the same order per residue, so a
 * split job is bit-identical to the single-threaded one. No new BigInt kernel lives here: the hot loops stay the ring
 * layer's module-level, warmed-up functions (docs/ring.md, "Fast 64-bit arithmetic in V8"). Where a unit splits what
 * the ring layer does in one call (ModDown by limbs), the constants are computed exactly as there (`modDown.ts`) and
 * the per-limb conversion is a `BaseConverter` to that one prime, whose arithmetic per target prime is that of the
 * full conversion. Work inside a unit is never split again (no pool in a worker; the pool's re-entrancy guard on the
 * calling thread).
 */
import { BaseConverter, ModUpConverter } from '../ring/baseConversion.js';
import { applyAutomorphism, applyAutomorphismAccumulate, automorphismAccumulateLimb } from '../ring/automorphism.js';
import {
  addMod, addScalarMod, mulMod, mulMontgomery, mulMontgomeryAccumulate2, mulScalarShoup, reduceBarrett, subMulScalarShoup,
} from '../ring/modularKernels.js';
import { applySigns } from '../scheme/encoder.js';
import { modInverse, shoupCompanion } from '../ring/modularScalar.js';
import { nttForward, nttInverse } from '../ring/ntt.js';
import { rescaleByLastPrime } from '../ring/rescale.js';
import { RnsBasis } from '../ring/rnsBasis.js';
import { RnsPoly, polyAdd, releasePoly } from '../ring/rnsPoly.js';
import { mulShoupAccumulateBlocked, mulShoupKeysAccumulate2, plaintextDotLimb, plaintextDotLimb1 } from '../ring/plaintextProducts.js';
import type { CkksContext } from '../scheme/context.js';
import { SwitchingKey, toMontgomeryForm } from '../scheme/keys.js';
import { expandUniformLimbs, switchingKeyLimb, switchingKeyScalars } from '../scheme/keyGenerator.js';
import { smallToResidues } from '../ring/sampling.js';
import { levelLimbMap } from '../scheme/levelledKeys.js';
import { KeySwitcher } from '../scheme/keySwitch.js';
import type { PolyRef, Unit } from './protocol.js';

/** Division by the product D of the dropped primes (constants as in `ModDownConverter`), whole or limb by limb. */
interface Division {
  kept: RnsBasis;
  dropped: RnsBasis;
  toKept: BaseConverter;
  inverse: bigint[];
  inverseShoup: bigint[];
  offsetDropped: bigint[];
  offsetKept: bigint[];
}

function division(kept: RnsBasis, dropped: RnsBasis): Division {
  const D = dropped.product();
  const H = (BigInt(dropped.size) * D) / 2n;
  const inverse = kept.primes.map((q) => modInverse(D % q, q));
  return {
    kept, dropped,
    toKept: new BaseConverter(dropped, kept),
    inverse,
    inverseShoup: inverse.map((v, i) => shoupCompanion(v, kept.primes[i]!)),
    offsetDropped: dropped.primes.map((p) => H % p),
    offsetKept: kept.primes.map((q) => (q - (H % q)) % q),
  };
}

interface LevelTables {
  digits: { start: number; end: number; modUp: ModUpConverter }[];
  byP: Division;
  /** P mod q_i and companions (liftByP). */
  pModQ: bigint[];
  pModQShoup: bigint[];
}

export class Executor {
  /** The context (in a worker, rebuilt from the parameters: `ThreadPool.attach`); never split further here. */
  readonly bases: CkksContext;
  private readonly switcher: KeySwitcher;
  private readonly n: number;
  private buffers: readonly SharedArrayBuffer[] = [];
  private readonly levels = new Map<number, LevelTables>();
  private readonly rescaleDivisions = new Map<number, Division>();
  private readonly allPrimes: RnsBasis;
  private readonly scratch: BigUint64Array;
  /** Two buffers of |Q ∪ P| limbs for units' scratch polynomials (`scratchPoly`). */
  private readonly scratchPolys: [BigUint64Array | undefined, BigUint64Array | undefined] = [undefined, undefined];
  /** A second limb of scratch ('rotateSumLimb'). */
  private scratch2: BigUint64Array | undefined;
  /** (P mod q, companion) per limb of Q ∪ P, for key generation ('keyLimb'). */
  private keyScalars: [bigint, bigint][] | undefined;

  constructor(context: CkksContext) {
    this.bases = context;
    this.switcher = new KeySwitcher(context);
    this.n = context.ringDegree;
    this.allPrimes = context.basisQP;
    this.scratch = new BigUint64Array(this.n);
  }

  /** The buffers the `PolyRef`s of the following units point into. */
  setBuffers(buffers: readonly SharedArrayBuffer[]): void {
    this.buffers = buffers;
  }

  private limb(ref: PolyRef, limb: number): BigUint64Array {
    return this.words(ref, limb, this.n);
  }

  /** Limb `limb` of an array of `perLimb`-word limbs (N for polynomials; fewer for a `ShoupPlaintext`'s runs). */
  private words(ref: PolyRef, limb: number, perLimb: number): BigUint64Array {
    const buffer = this.buffers[ref.b];
    if (buffer === undefined) throw new RangeError(`parallel: unknown buffer ${ref.b}`);
    return new BigUint64Array(buffer, (ref.o + limb * perLimb) * 8, perLimb);
  }

  private poly(ref: PolyRef, basis: RnsBasis, form: 'coefficient' | 'evaluation' = 'evaluation'): RnsPoly {
    const buffer = this.buffers[ref.b];
    if (buffer === undefined) throw new RangeError(`parallel: unknown buffer ${ref.b}`);
    return new RnsPoly(basis, form, new BigUint64Array(buffer, ref.o * 8, basis.size * this.n));
  }

  private tables(level: number): LevelTables {
    let t = this.levels.get(level);
    if (t !== undefined) return t;
    const basisQP = this.bases.levelBasisQP(level);
    const qBasis = this.bases.levelBasis(level);
    const P = this.bases.basisP.product();
    t = {
      // as KeySwitcher.tables: digits starting at or below the level, cut at the level
      digits: this.bases.params.digitsAtLevel(level).map(([start, end]) => (
        { start, end, modUp: new ModUpConverter(RnsBasis.fromTables(qBasis.tables.slice(start, end)), basisQP, { centered: true }) })),
      byP: division(qBasis, this.bases.basisP),
      pModQ: qBasis.primes.map((q) => P % q),
      pModQShoup: qBasis.primes.map((q) => shoupCompanion(P % q, q)),
    };
    this.levels.set(level, t);
    return t;
  }

  /** Division by P (keeping Q_ℓ) or by q_ℓ·P (keeping Q_{ℓ−1}, as `KeySwitcher.modDownRescale`). */
  private division(level: number, rescale: boolean): Division {
    if (!rescale) return this.tables(level).byP;
    let d = this.rescaleDivisions.get(level);
    if (d === undefined) {
      d = division(this.bases.levelBasis(level - 1), RnsBasis.fromTables(this.bases.levelBasisQP(level).tables.slice(level)));
      this.rescaleDivisions.set(level, d);
    }
    return d;
  }

  /** Runs one unit. */
  run(u: Unit): void {
    switch (u.op) {
      case 'ntt': {
        const limb = this.limb(u.p, u.limb);
        if (u.src !== undefined) limb.set(this.limb(u.src, u.limb));
        const table = this.allPrimes.tables[u.prime]!;
        if (u.inverse) nttInverse(limb, table);
        else nttForward(limb, table);
        return;
      }
      case 'modUp': return this.modUp(u.level, u.digit, u.coef, u.d, u.ext, u.transform !== false, u.half);
      case 'switchLimb': {
        const table = this.bases.levelBasisQP(u.level).tables[u.limb]!;
        for (const p of u.forward) nttForward(this.limb(p, u.limb), table);
        this.keyProductUnit(u);
        if (u.prep !== undefined) {
          const dropped = u.limb - this.division(u.level, u.prep.rescale).kept.size;
          this.modDownPrep(u.level, u.prep.rescale, u.acc0, dropped);
          this.modDownPrep(u.level, u.prep.rescale, u.acc1, dropped);
        }
        return;
      }
      case 'modDownPrep':
        this.modDownPrep(u.level, u.rescale, u.x, u.dropped);
        return;
      case 'rotateSumLimb':
        this.rotateSumLimb(u);
        return;
      case 'modDownConvert': {
        const d = this.division(u.level, u.rescale);
        const k = d.kept.size;
        const [lo, hi] = [u.half * (this.n >> 1), (u.half + 1) * (this.n >> 1)];
        const dropped: BigUint64Array[] = [];
        for (let j = 0; j < d.dropped.size; j++) dropped.push(this.limb(u.x, k + j).subarray(lo, hi));
        const converted: BigUint64Array[] = [];
        for (let i = 0; i < k; i++) converted.push(this.limb(u.out, i).subarray(lo, hi));
        d.toKept.convertLimbs(dropped, converted);
        return;
      }
      case 'modDownFinish': {
        const d = this.division(u.level, u.rescale);
        this.finishDivision(d, u.limb, this.limb(u.x, u.limb), this.limb(u.out, u.limb));
        return;
      }
      case 'rescale':
        rescaleByLastPrime(this.poly(u.a, this.bases.levelBasis(u.level)), this.poly(u.out, this.bases.levelBasis(u.level - 1)), this.scratch);
        return;
      case 'automorphism': {
        const basis = u.extended ? this.bases.levelBasisQP(u.level) : this.bases.levelBasis(u.level);
        const src = this.poly(u.src, basis);
        if (u.add !== undefined) polyAdd(src, this.poly(u.add, basis), src);
        const dst = this.poly(u.dst, basis);
        if (u.accumulate === true) applyAutomorphismAccumulate(src, u.element, dst);
        else applyAutomorphism(src, u.element, dst);
        return;
      }
      case 'tensor': {
        const m = this.bases.levelBasis(u.level).moduli[u.limb]!;
        const q = m.value;
        const l = u.limb;
        const [a0, a1, b0, b1] = [this.limb(u.a0, l), this.limb(u.a1, l), this.limb(u.b0, l), this.limb(u.b1, l)];
        const d1 = this.limb(u.d1, l);
        // as arithmetic.mulNoRelin
        mulMod(a0, b0, this.limb(u.d0, l), q, m.montgomeryNegInverse, m.rModQ, m.rModQShoup);
        mulMod(a1, b1, this.limb(u.d2, l), q, m.montgomeryNegInverse, m.rModQ, m.rModQShoup);
        mulMod(a0, b1, d1, q, m.montgomeryNegInverse, m.rModQ, m.rModQShoup);
        mulMod(a1, b0, this.scratch, q, m.montgomeryNegInverse, m.rModQ, m.rModQShoup);
        addMod(d1, this.scratch, d1, q);
        return;
      }
      case 'mul': {
        const basis = u.extended ? this.bases.levelBasisQP(u.level) : this.bases.levelBasis(u.level);
        const m = basis.moduli[u.limb]!;
        mulMod(this.limb(u.a, u.limb), this.limb(u.b, u.limb), this.limb(u.out, u.limb), m.value, m.montgomeryNegInverse, m.rModQ, m.rModQShoup);
        return;
      }
      case 'rotatePart': return this.rotatePart(u);
      case 'sum': {
        const basis = u.extended ? this.bases.levelBasisQP(u.level) : this.bases.levelBasis(u.level);
        const q = basis.moduli[u.limb]!.value;
        const out = this.limb(u.out, u.limb);
        out.set(this.limb(u.terms[0]!, u.limb));
        for (let t = 1; t < u.terms.length; t++) addMod(out, this.limb(u.terms[t]!, u.limb), out, q);
        return;
      }
      case 'plainDotMontgomery': {
        // as LinearTransform (double hoisting): Montgomery multiply-accumulate per term, then one reduction
        const m = this.bases.levelBasisQP(u.level).moduli[u.limb]!;
        const a0 = this.limb(u.acc0, u.limb);
        const a1 = this.limb(u.acc1, u.limb);
        for (let t = 0; t < u.w.length; t++) {
          mulMontgomeryAccumulate2(this.limb(u.w[t]!, u.limb), this.limb(u.c0[t]!, u.limb), this.limb(u.c1[t]!, u.limb), a0, a1, m.value, m.montgomeryNegInverse);
        }
        addScalarMod(a0, 0n, a0, m.value);
        addScalarMod(a1, 0n, a1, m.value);
        return;
      }
      case 'rotateTermExtended': {
        const basisQP = this.bases.levelBasisQP(u.level);
        const x0 = this.poly(u.x0, basisQP);
        const x1 = this.poly(u.x1, basisQP);
        const out0 = this.poly(u.out0, basisQP);
        const out1 = this.poly(u.out1, basisQP);
        if (u.element === 0) {
          out0.copyFrom(x0);
          out1.copyFrom(x1);
          return;
        }
        // as Rotator.rotateAccumulateExtended (this thread's KeySwitcher never splits)
        const key = this.switchingKey(u.keyQ, u.keyB, u.keyA);
        const x1Copy = x1.clone();
        const c1 = this.switcher.modDown(x1Copy, u.level);
        const dec = this.switcher.decompose(c1);
        const [v0, v1] = this.switcher.applyKeyExtended(dec, key);
        polyAdd(v0, x0, v0);
        applyAutomorphism(v0, u.element, out0);
        applyAutomorphism(v1, u.element, out1);
        releasePoly(x1Copy, c1, ...dec.digits, v0, v1);
        return;
      }
      case 'encodeLimb': {
        const m = this.allPrimes.moduli[u.prime]!;
        const out = this.limb(u.out, u.limb);
        reduceBarrett(this.limb(u.magnitudes, 0), out, m.value, m.barrett);
        applySigns(out, this.limb(u.negative, 0), m.value);
        nttForward(out, this.allPrimes.tables[u.prime]!);
        mulScalarShoup(out, m.rModQ, m.rModQShoup, out, m.value);
        return;
      }
      case 'expandUniform': {
        const target = this.bases.levelBasisQP(u.target);
        const out = this.poly(u.out, target);
        expandUniformLimbs(this.bases.levelBasisQP(u.stored), Uint8Array.from(u.seed), u.index, target, levelLimbMap(u.stored, u.target), out);
        if (u.montgomery !== false) toMontgomeryForm(out);
        return;
      }
      case 'keyError': {
        const buffer = this.buffers[u.error.b];
        if (buffer === undefined) throw new RangeError(`parallel: unknown buffer ${u.error.b}`);
        const out = this.limb(u.out, u.limb);
        smallToResidues(new Int32Array(buffer, u.error.o * 8, this.n), this.allPrimes.moduli[u.limb]!.value, out);
        nttForward(out, this.allPrimes.tables[u.limb]!);
        return;
      }
      case 'keyLimb': {
        const m = this.allPrimes.moduli[u.limb]!;
        this.keyScalars ??= switchingKeyScalars(this.bases);
        const sPrime = u.sPrime === undefined ? undefined : this.limb(u.sPrime, u.limb);
        switchingKeyLimb(m, this.limb(u.a, u.limb), this.limb(u.target, u.limb), this.limb(u.b, u.limb), sPrime, this.keyScalars[u.limb]!, this.scratch);
        return;
      }
      case 'plainDot': {
        const m = this.bases.levelBasisQP(u.level).moduli[u.limb]!;
        const limbs = (refs: readonly PolyRef[]) => refs.map((r) => this.limb(r, u.limb));
        const words = (refs: readonly PolyRef[]) => refs.map((r) => this.words(r, u.limb, this.n >> u.blockLog));
        if (u.limb > u.level) plaintextDotLimb1(words(u.w), words(u.wShoup), limbs(u.c0), this.limb(u.acc0, u.limb), m, u.blockLog);
        else plaintextDotLimb(words(u.w), words(u.wShoup), limbs(u.c0), limbs(u.c1), this.limb(u.acc0, u.limb), this.limb(u.acc1, u.limb), m, u.blockLog);
        return;
      }
    }
  }

  /** A key's digits from their refs: the words of a `SwitchingKey`, which are in Montgomery form (keys.ts). */
  private switchingKey(keyQ: number, keyB: readonly PolyRef[], keyA: readonly PolyRef[]): SwitchingKey {
    const part = (r: PolyRef): RnsPoly => {
      const p = this.poly(r, this.keyBasis(keyQ));
      p.montgomery = true;
      return p;
    };
    return new SwitchingKey(this.bases, keyB.map(part), keyA.map(part), new Uint8Array(0));
  }

  /** The basis of a key with `keyQ` Q limbs (levelled keys: q_0 … q_{keyQ−1} ∪ P). */
  private keyBasis(keyQ: number): RnsBasis {
    return this.bases.levelBasisQP(keyQ - 1);
  }

  /**
   * As `KeySwitcher.decompose`, for one digit (the coefficient form of d is given); `transform` false: no NTTs, and
   * with `half` only that half of the coefficients (the digit's own limbs copied from d for it too).
   */
  private modUp(level: number, digit: number, coef: PolyRef, d: PolyRef, ext: PolyRef, transform: boolean, half?: 0 | 1): void {
    if (half !== undefined && transform) throw new RangeError('parallel: a ModUp unit over half of the coefficients cannot transform');
    const t = this.tables(level);
    const g = t.digits[digit]!;
    const basisQP = this.bases.levelBasisQP(level);
    const [lo, hi] = half === undefined ? [0, this.n] : [half * (this.n >> 1), (half + 1) * (this.n >> 1)];
    const src: BigUint64Array[] = [];
    for (let i = g.start; i < g.end; i++) src.push(this.limb(coef, i).subarray(lo, hi));
    const dst: BigUint64Array[] = [];
    for (let i = 0; i < basisQP.size; i++) dst.push(this.limb(ext, i).subarray(lo, hi));
    g.modUp.applyLimbs(src, dst);
    for (let i = 0; i < basisQP.size; i++) {
      if (i >= g.start && i < g.end) dst[i]!.set(this.limb(d, i).subarray(lo, hi));
      else if (transform) nttForward(dst[i]!, basisQP.tables[i]!);
    }
  }

  /** Limb `limb` of the key product, plus P·lift[k] on a limb of Q_ℓ ('switchLimb'). */
  private keyProductUnit(u: Extract<Unit, { op: 'switchLimb' }>): void {
    if (u.keyShoup !== undefined) this.keyProductShoupLimb(u.level, u.limb, u.keyQ, u.digits, u.keyB, u.keyA, u.keyShoup, u.acc0, u.acc1);
    else this.keyProductLimb(u.level, u.limb, u.keyQ, u.digits, u.keyB, u.keyA, u.acc0, u.acc1);
    if (u.lift === undefined || u.limb > u.level) return;
    const t = this.tables(u.level);
    const q = this.bases.levelBasis(u.level).moduli[u.limb]!.value;
    for (let k = 0; k < 2; k++) {
      const acc = this.limb(k === 0 ? u.acc0 : u.acc1, u.limb);
      mulScalarShoup(this.limb(u.lift[k]!, u.limb), t.pModQ[u.limb]!, t.pModQShoup[u.limb]!, this.scratch, q);
      addMod(acc, this.scratch, acc, q);
    }
  }

  /** One limb of one part of a rotation sum (see the unit's description in protocol.ts). */
  private rotateSumLimb(u: Extract<Unit, { op: 'rotateSumLimb' }>): void {
    const i = u.limb;
    const m = this.bases.levelBasisQP(u.level).moduli[i]!;
    const q = m.value;
    const acc = this.limb(u.acc, i);
    const t = this.tables(u.level);
    const v = this.scratch;
    const w = (this.scratch2 ??= new BigUint64Array(this.n));
    // P·x on this limb into `into` (zero on the limbs of P), or x itself when it is already lifted
    const lifted = (x: PolyRef, xLifted: boolean, into: BigUint64Array): boolean => {
      if (xLifted) {
        into.set(this.limb(x, i));
        return true;
      }
      if (i > u.level) return false;
      mulScalarShoup(this.limb(x, i), t.pModQ[i]!, t.pModQShoup[i]!, into, q);
      return true;
    };
    for (const term of u.terms) {
      if (term.key === undefined) {
        if (term.x !== undefined && lifted(term.x, term.xLifted, w)) addMod(acc, w, acc, q);
        continue;
      }
      const keyLimb = i <= u.level ? i : term.keyQ + (i - u.level - 1);
      for (let j = 0; j < term.digits.length; j++) {
        mulMontgomery(this.limb(term.digits[j]!, i), this.limb(term.key[j]!, keyLimb), j === 0 ? v : w, q, m.montgomeryNegInverse);
        if (j > 0) addMod(v, w, v, q);
      }
      if (term.x !== undefined && lifted(term.x, term.xLifted, w)) addMod(v, w, v, q);
      automorphismAccumulateLimb(v, term.element, acc, q);
    }
    if (u.prep !== undefined) this.modDownPrep(u.level, u.prep.rescale, u.acc, i - this.division(u.level, u.prep.rescale).kept.size);
  }

  /** Division step 1 for dropped limb `dropped` of x: to coefficient form, plus the rounding offset (in place). */
  private modDownPrep(level: number, rescale: boolean, x: PolyRef, dropped: number): void {
    const d = this.division(level, rescale);
    const limb = this.limb(x, d.kept.size + dropped);
    nttInverse(limb, d.dropped.tables[dropped]!);
    addScalarMod(limb, d.offsetDropped[dropped]!, limb, d.dropped.moduli[dropped]!.value);
  }

  /** As `KeySwitcher.applyKeyExtended` for limb i, including the final reduction to [0, q). */
  private keyProductLimb(level: number, i: number, keyQ: number, digits: readonly PolyRef[], keyB: readonly PolyRef[], keyA: readonly PolyRef[], acc0: PolyRef, acc1: PolyRef): void {
    const m = this.bases.levelBasisQP(level).moduli[i]!;
    const keyLimb = i <= level ? i : keyQ + (i - level - 1);
    const a0 = this.limb(acc0, i);
    const a1 = this.limb(acc1, i);
    for (let j = 0; j < digits.length; j++) {
      mulMontgomeryAccumulate2(this.limb(digits[j]!, i), this.limb(keyB[j]!, keyLimb), this.limb(keyA[j]!, keyLimb), a0, a1, m.value, m.montgomeryNegInverse);
    }
    addScalarMod(a0, 0n, a0, m.value);
    addScalarMod(a1, 0n, a1, m.value);
  }

  /** As `KeySwitcher.applyKeyExtended` with a relinearisation key's companions, for limb i: Shoup products, then ·2^{-64}. */
  private keyProductShoupLimb(
    level: number, i: number, keyQ: number, digits: readonly PolyRef[], keyB: readonly PolyRef[], keyA: readonly PolyRef[],
    keyShoup: { readonly b: readonly PolyRef[]; readonly a: readonly PolyRef[] }, acc0: PolyRef, acc1: PolyRef,
  ): void {
    const m = this.bases.levelBasisQP(level).moduli[i]!;
    const keyLimb = i <= level ? i : keyQ + (i - level - 1);
    const a0 = this.limb(acc0, i);
    const a1 = this.limb(acc1, i);
    for (let j = 0; j < digits.length; j++) {
      mulShoupKeysAccumulate2(
        this.limb(digits[j]!, i), this.limb(keyB[j]!, keyLimb), this.limb(keyShoup.b[j]!, keyLimb), this.limb(keyA[j]!, keyLimb), this.limb(keyShoup.a[j]!, keyLimb),
        a0, a1, m.value,
      );
    }
    mulScalarShoup(a0, m.rInverse, m.rInverseShoup, a0, m.value);
    mulScalarShoup(a1, m.rInverse, m.rInverseShoup, a1, m.value);
  }

  /** As `ModDownConverter.apply` (no addend), into `out`; x's dropped limbs are overwritten. */
  private divide(d: Division, x: RnsPoly, out: RnsPoly): void {
    const k = d.kept.size;
    const dropped: BigUint64Array[] = [];
    for (let j = 0; j < d.dropped.size; j++) {
      const limb = x.limb(k + j);
      nttInverse(limb, d.dropped.tables[j]!);
      addScalarMod(limb, d.offsetDropped[j]!, limb, d.dropped.moduli[j]!.value);
      dropped.push(limb);
    }
    const converted: BigUint64Array[] = [];
    for (let i = 0; i < k; i++) converted.push(out.limb(i));
    d.toKept.convertLimbs(dropped, converted);
    for (let i = 0; i < k; i++) this.finishDivision(d, i, x.limb(i), converted[i]!);
  }

  /** out_i ← (x_i − (Conv_i − H))·D^{-1} mod q_i, with out_i = Conv_i in coefficient form on entry. */
  private finishDivision(d: Division, i: number, x: BigUint64Array, out: BigUint64Array): void {
    const q = d.kept.moduli[i]!.value;
    addScalarMod(out, d.offsetKept[i]!, out, q);
    nttForward(out, d.kept.tables[i]!);
    subMulScalarShoup(x, out, d.inverse[i]!, d.inverseShoup[i]!, out, q);
  }

  /**
   * One part of a rotation ('rotatePart'). The key product of one part is the residue-exact Σ_j digit_j·key_j mod q
   * (Montgomery products with keys in Montgomery form, each reduced to [0, q), then added mod q): the same words as
   * `KeySwitcher.applyKeyExtended`'s lazily reduced sums, so the result is bit-identical to one thread.
   */
  /**
   * Scratch polynomial `slot` over `basis`, a view of one of two buffers this executor keeps at the size of the
   * largest basis (Q ∪ P): a unit's temporaries neither allocate nor fault in fresh pages (2.3 MB per rotation part at
   * N = 2^15 with 9 limbs). Contents are whatever the last unit left; units run one at a time on a thread.
   */
  private scratchPoly(basis: RnsBasis, slot: 0 | 1): RnsPoly {
    const words = this.allPrimes.size * this.n;
    const buffer = (this.scratchPolys[slot] ??= new BigUint64Array(words));
    return new RnsPoly(basis, 'evaluation', buffer.subarray(0, basis.size * this.n));
  }

  private rotatePart(u: Extract<Unit, { op: 'rotatePart' }>): void {
    const basisQP = this.bases.levelBasisQP(u.level);
    const acc = this.scratchPoly(basisQP, 0);
    if (u.shoupDigits !== undefined) acc.data.fill(0n); // the hoisted products accumulate
    for (let i = 0; i < basisQP.size; i++) {
      const m = basisQP.moduli[i]!;
      const keyLimb = i <= u.level ? i : u.keyQ + (i - u.level - 1);
      const a = acc.limb(i);
      if (u.shoupDigits !== undefined) {
        // hoisted: Shoup products (digit·2^{-64} fixed) with the Montgomery-form key, lazily in [0, 2q), then reduced
        for (let j = 0; j < u.digits.length; j++) {
          mulShoupAccumulateBlocked(this.limb(u.shoupDigits.scaled[j]!, i), this.limb(u.shoupDigits.companions[j]!, i), 0, this.limb(u.key[j]!, keyLimb), a, m.value);
        }
        addScalarMod(a, 0n, a, m.value);
        continue;
      }
      for (let j = 0; j < u.digits.length; j++) {
        mulMontgomery(this.limb(u.digits[j]!, i), this.limb(u.key[j]!, keyLimb), j === 0 ? a : this.scratch, m.value, m.montgomeryNegInverse);
        if (j > 0) addMod(a, this.scratch, a, m.value);
      }
    }
    if (u.extended) {
      if (u.c0 !== undefined) polyAdd(acc, this.poly(u.c0, basisQP), acc); // c0 = P·c_0 over Q_ℓ ∪ P
      applyAutomorphism(acc, u.element, this.poly(u.out, basisQP));
      return;
    }
    const basis = this.bases.levelBasis(u.level);
    const v = this.scratchPoly(basis, 1);
    this.divide(this.tables(u.level).byP, acc, v);
    if (u.c0 !== undefined) polyAdd(v, this.poly(u.c0, basis), v);
    applyAutomorphism(v, u.element, this.poly(u.out, basis));
  }
}
