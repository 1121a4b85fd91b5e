/**
 * The context built once per parameter set: RNS bases for Q (with its level prefixes), P and Q ∪ P, and
 * the encoder's canonical-embedding tables (per slot count, on first use). Everything here is immutable
 * after construction and shared by the encoder, key generator, encryptor, decryptor and evaluator.
 */
import { RnsBasis } from '../ring/rnsBasis.js';
import { CkksError } from '../errors.js';
import { CanonicalEmbedding } from './canonicalEmbedding.js';
import { Parameters, type ParametersLiteral } from './parameters.js';
import type { ThreadPool } from '../parallel/pool.js';

export interface ContextOptions {
  /**
   * A thread pool (`ThreadPool.create({ threads })`, docs/threads.md): polynomials of this context then live in
   * shared memory and its hot paths split their work across the pool's threads, with bit-identical results.
   */
  pool?: ThreadPool;
}

export class CkksContext {
  readonly params: Parameters;
  /** q_0 … q_L. Level ℓ uses `levelBasis(ℓ)` = the first ℓ + 1 primes. */
  readonly basisQ: RnsBasis;
  readonly basisP: RnsBasis;
  /** q_0 … q_L, p_0 … p_{k−1}. */
  readonly basisQP: RnsBasis;
  private readonly embeddings = new Map<number, CanonicalEmbedding>();
  private readonly levelQP = new Map<number, RnsBasis>();
  /** The thread pool this context splits its work over, if any. */
  readonly pool: ThreadPool | undefined;

  constructor(params: Parameters | ParametersLiteral, options: ContextOptions = {}) {
    this.params = params instanceof Parameters ? params : new Parameters(params);
    const N = this.params.ringDegree;
    this.basisQP = RnsBasis.create(N, [...this.params.Q, ...this.params.P]);
    this.basisQ = this.basisQP.prefix(this.params.Q.length);
    this.basisP = RnsBasis.fromTables(this.basisQP.tables.slice(this.params.Q.length));
    this.pool = options.pool;
    this.pool?.attach(this);
  }

  get ringDegree(): number {
    return this.params.ringDegree;
  }

  get maxLevel(): number {
    return this.params.maxLevel;
  }

  /** The basis q_0 … q_ℓ of level ℓ. */
  levelBasis(level: number): RnsBasis {
    this.checkLevel(level);
    return this.basisQ.prefix(level + 1);
  }

  /** The basis q_0 … q_ℓ, p_0 … p_{k−1} used while key switching at level ℓ (cached). */
  levelBasisQP(level: number): RnsBasis {
    this.checkLevel(level);
    let b = this.levelQP.get(level);
    if (b === undefined) {
      b = level === this.maxLevel ? this.basisQP : this.levelBasis(level).concat(this.basisP);
      this.levelQP.set(level, b);
    }
    return b;
  }

  /** Canonical-embedding tables for `slots` slots (a power of two ≤ N/2), built on first use. */
  embedding(slots: number): CanonicalEmbedding {
    if (!Number.isInteger(slots) || slots < 1 || slots > this.params.maxSlots || (slots & (slots - 1)) !== 0) {
      throw new RangeError(`slot count must be a power of two in [1, N/2 = ${this.params.maxSlots}], got ${slots}`);
    }
    let e = this.embeddings.get(slots);
    if (e === undefined) {
      e = new CanonicalEmbedding(slots);
      this.embeddings.set(slots, e);
    }
    return e;
  }

  /** RangeError unless 0 ≤ level ≤ L. */
  checkLevel(level: number): void {
    if (!Number.isInteger(level) || level < 0 || level > this.maxLevel) {
      throw new RangeError(`level must be an integer in [0, ${this.maxLevel}], got ${level}`);
    }
  }

  /** INCOMPATIBLE_PARAMETERS unless `other` was built for the same parameters. */
  assertSameParameters(other: CkksContext, what: string): void {
    if (other !== this && other.params.fingerprint() !== this.params.fingerprint()) {
      throw new CkksError('INCOMPATIBLE_PARAMETERS', `${what}: objects belong to different parameter sets`);
    }
  }
}
