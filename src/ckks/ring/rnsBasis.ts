/**
 * An RNS basis: an ordered list of distinct NTT-friendly primes q_0 … q_{k−1} for one ring degree N,
 * with each prime's arithmetic constants (`Modulus`) and twiddle tables (`NttTable`). A polynomial
 * modulo Q = ∏ q_i is stored as its k residues (Chinese Remainder Theorem), one limb per prime.
 *
 * Bases are immutable. Sub-bases (the first `count` primes, i.e. a CKKS level) and concatenations
 * (Q ∪ P for hybrid key switching) share the per-prime tables, so building them is cheap.
 */
import { CkksError } from '../errors.js';
import { MAX_RNS_MODULUS, Modulus } from './modulus.js';
import { NttTable } from './ntt.js';

export class RnsBasis {
  readonly ringDegree: number;
  readonly moduli: readonly Modulus[];
  readonly tables: readonly NttTable[];
  private readonly prefixCache = new Map<number, RnsBasis>();

  private constructor(ringDegree: number, tables: readonly NttTable[]) {
    this.ringDegree = ringDegree;
    this.tables = Object.freeze([...tables]);
    this.moduli = Object.freeze(tables.map((t) => t.modulus));
  }

  /**
   * Builds the tables for the given primes (each ≡ 1 mod 2N, distinct, < 2^61 = `MAX_RNS_MODULUS`).
   * Throws RangeError on a repeated prime, one ≥ 2^61, or one the NTT cannot use.
   */
  static create(ringDegree: number, primes: readonly bigint[]): RnsBasis {
    if (primes.length === 0) throw new RangeError('RnsBasis: at least one prime is required');
    const seen = new Set<bigint>();
    for (const p of primes) {
      checkRnsPrime(p);
      if (seen.has(p)) throw new RangeError(`RnsBasis: prime ${p} appears twice`);
      seen.add(p);
    }
    return new RnsBasis(ringDegree, primes.map((p) => new NttTable(new Modulus(p), ringDegree)));
  }

  /** Basis from existing tables (shares them); the same prime rules as `create`. */
  static fromTables(tables: readonly NttTable[]): RnsBasis {
    const first = tables[0];
    if (first === undefined) throw new RangeError('RnsBasis: at least one table is required');
    const seen = new Set<bigint>();
    for (const t of tables) {
      checkRnsPrime(t.modulus.value);
      if (t.ringDegree !== first.ringDegree) throw new RangeError('RnsBasis: tables for different ring degrees');
      if (seen.has(t.modulus.value)) throw new RangeError(`RnsBasis: prime ${t.modulus.value} appears twice`);
      seen.add(t.modulus.value);
    }
    return new RnsBasis(first.ringDegree, tables);
  }

  /** Number of primes. */
  get size(): number {
    return this.moduli.length;
  }

  /** The primes as BigInts. */
  get primes(): bigint[] {
    return this.moduli.map((m) => m.value);
  }

  /** Q = ∏ q_i. */
  product(): bigint {
    let p = 1n;
    for (const m of this.moduli) p *= m.value;
    return p;
  }

  /** The sub-basis of the first `count` primes (cached, so repeated calls return the same object). */
  prefix(count: number): RnsBasis {
    if (!Number.isInteger(count) || count < 1 || count > this.size) {
      throw new RangeError(`RnsBasis.prefix: count must be in [1, ${this.size}], got ${count}`);
    }
    if (count === this.size) return this;
    let sub = this.prefixCache.get(count);
    if (sub === undefined) {
      sub = new RnsBasis(this.ringDegree, this.tables.slice(0, count));
      this.prefixCache.set(count, sub);
    }
    return sub;
  }

  /** This basis followed by `other` (e.g. Q ∪ P); the primes must be distinct. */
  concat(other: RnsBasis): RnsBasis {
    if (other.ringDegree !== this.ringDegree) {
      throw new CkksError('INCOMPATIBLE_PARAMETERS', 'RnsBasis.concat: different ring degrees');
    }
    return RnsBasis.fromTables([...this.tables, ...other.tables]);
  }

  /** True when both bases hold the same primes in the same order for the same N. */
  equals(other: RnsBasis): boolean {
    if (other === this) return true;
    if (other.ringDegree !== this.ringDegree || other.size !== this.size) return false;
    for (let i = 0; i < this.size; i++) if (other.moduli[i]!.value !== this.moduli[i]!.value) return false;
    return true;
  }

  /** Throws INCOMPATIBLE_PARAMETERS unless `other` equals this basis. */
  assertSame(other: RnsBasis, what: string): void {
    if (!this.equals(other)) {
      throw new CkksError(
        'INCOMPATIBLE_PARAMETERS',
        `${what}: operands live over different RNS bases (N = ${this.ringDegree}/${other.ringDegree}, ${this.size}/${other.size} primes)`,
      );
    }
  }
}

function checkRnsPrime(p: bigint): void {
  if (typeof p !== 'bigint') throw new TypeError('RnsBasis: primes must be bigints');
  if (p >= MAX_RNS_MODULUS) throw new RangeError(`RnsBasis: prime ${p} is ≥ 2^61 (the multiply-accumulate kernels need q < 2^61)`);
}
