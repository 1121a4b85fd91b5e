/**
 * CKKS parameters: a literal with named fields (Lattigo's `ParametersLiteral` style), validated once into an
 * immutable `Parameters` object holding the actual primes.
 *
 * Q = q_0 · … · q_L is the ciphertext modulus chain (level ℓ uses q_0..q_ℓ; rescaling drops q_ℓ);
 * P = p_0 · … · p_{k−1} are the special primes of hybrid key switching (Han–Ki 2020): a key-switching key
 * has `dnum` digits, each digit a group of consecutive Q primes whose product must not exceed P by much
 * (the key-switching noise grows like max digit / P).
 */
import { CkksError } from '../errors.js';
import { generateNttPrimes, isPrime } from '../ring/primes.js';
import { MAX_RNS_MODULUS } from '../ring/modulus.js';
import { maxLogQP128 } from './security.js';

/** The HomomorphicEncryption.org standard's error width, 8/√(2π) ≈ 3.19 (rounded down as SEAL does). */
export const MIN_SECURE_SIGMA = 3.19;
/** Above this σ (10× the standard) parameters are refused as a likely mistake unless marked insecure. */
export const MAX_SIGMA = 32;

export type SecretDistribution =
  | { readonly kind: 'ternary' } // uniform over {−1, 0, 1}^N
  | { readonly kind: 'sparse-ternary'; readonly hammingWeight: number }; // exactly h non-zero ±1

export interface ParametersLiteral {
  /** log2 of the ring degree N (4 … 17; below 10 only for tests, always insecure). */
  logN: number;
  /** Bit sizes of the Q chain q_0 … q_L (each 20 … 61), or give `Q` explicitly. */
  logQ?: readonly number[];
  /** Bit sizes of the special primes (each 20 … 61), or give `P` explicitly. */
  logP?: readonly number[];
  /** Explicit Q primes (each ≡ 1 mod 2N, < 2^61). */
  Q?: readonly bigint[];
  /** Explicit P primes. */
  P?: readonly bigint[];
  /** log2 of the default scale Δ. */
  logDefaultScale: number;
  /** Secret distribution (default: uniform ternary). */
  secret?: SecretDistribution;
  /** Standard deviation of the error distribution (default 3.2, bounded at 6σ; [3.19, 32] unless insecure). */
  sigma?: number;
  /** Number of key-switching digits (default ⌈(L+1)/|P|⌉, i.e. digits of |P| primes). */
  dnum?: number;
  /** Accept parameters above the 128-bit bound (tests and experiments only). */
  insecure?: boolean;
}

/** Validated, immutable CKKS parameters. */
export class Parameters {
  readonly logN: number;
  readonly ringDegree: number;
  /** Maximum number of slots, N/2. */
  readonly maxSlots: number;
  readonly Q: readonly bigint[];
  readonly P: readonly bigint[];
  readonly logDefaultScale: number;
  readonly defaultScale: number;
  readonly secret: SecretDistribution;
  readonly sigma: number;
  readonly dnum: number;
  /** The digits: Q-prime index ranges [start, end) of each key-switching digit. */
  readonly digits: readonly (readonly [number, number])[];
  readonly logQP: number;
  /** The 128-bit bound this parameter set was checked against, if one is known. */
  readonly securityBound: number | undefined;
  readonly insecure: boolean;

  constructor(literal: ParametersLiteral) {
    const { logN } = literal;
    if (!Number.isInteger(logN) || logN < 4 || logN > 17) throw new RangeError(`logN must be an integer in [4, 17], got ${logN}`);
    const N = 1 << logN;
    this.logN = logN;
    this.ringDegree = N;
    this.maxSlots = N / 2;

    const Q = choosePrimes('Q', literal.Q, literal.logQ, N, []);
    const P = choosePrimes('P', literal.P, literal.logP, N, Q);
    if (Q.length === 0) throw new RangeError('the Q chain needs at least one prime');
    if (P.length === 0) throw new RangeError('at least one special prime P is required (hybrid key switching)');
    this.Q = Object.freeze(Q);
    this.P = Object.freeze(P);

    if (!Number.isFinite(literal.logDefaultScale) || literal.logDefaultScale < 1 || literal.logDefaultScale > 60) {
      throw new RangeError(`logDefaultScale must be in [1, 60], got ${literal.logDefaultScale}`);
    }
    this.logDefaultScale = literal.logDefaultScale;
    this.defaultScale = 2 ** literal.logDefaultScale;

    const secret = literal.secret ?? { kind: 'ternary' as const };
    if (secret.kind === 'sparse-ternary') {
      if (!Number.isInteger(secret.hammingWeight) || secret.hammingWeight < 1 || secret.hammingWeight > N) {
        throw new RangeError(`hammingWeight must be an integer in [1, N], got ${secret.hammingWeight}`);
      }
    } else if (secret.kind !== 'ternary') {
      throw new TypeError(`unknown secret distribution ${String((secret as { kind: unknown }).kind)}`);
    }
    this.secret = Object.freeze({ ...secret });

    const sigma = literal.sigma ?? 3.2;
    if (typeof sigma !== 'number' || !(sigma > 0 && sigma < 100)) throw new RangeError(`sigma must be in (0, 100), got ${String(sigma)}`);
    this.sigma = sigma;
    this.insecure = literal.insecure === true;
    // The security tables assume the standard's error width σ = 8/√(2π) ≈ 3.19: a narrower error makes RLWE
    // easier (with σ = 10^-3 the secret is read off the public key), a much wider one only costs precision but
    // is almost surely a unit mistake. Outside [3.19, 32], only with `insecure: true`.
    if (!this.insecure && !(sigma >= MIN_SECURE_SIGMA && sigma <= MAX_SIGMA)) {
      throw new CkksError('INSECURE_PARAMETERS', `sigma = ${sigma} is outside [${MIN_SECURE_SIGMA}, ${MAX_SIGMA}]: the 128-bit bounds assume the HE standard's σ ≈ 3.19 (smaller σ weakens RLWE); pass insecure: true to use it anyway`);
    }

    const dnum = literal.dnum ?? Math.ceil(Q.length / P.length);
    if (!Number.isInteger(dnum) || dnum < 1 || dnum > Q.length) throw new RangeError(`dnum must be an integer in [1, ${Q.length}], got ${dnum}`);
    this.dnum = dnum;
    const alpha = Math.ceil(Q.length / dnum);
    const digits: (readonly [number, number])[] = [];
    for (let s = 0; s < Q.length; s += alpha) digits.push([s, Math.min(s + alpha, Q.length)] as const);
    this.digits = Object.freeze(digits);
    // Key-switching noise is ≈ (largest digit / P)·N·σ; refuse digits much larger than P.
    const logP = log2(P.reduce((a, b) => a * b, 1n));
    for (const [s, e] of digits) {
      const logDigit = log2(Q.slice(s, e).reduce((a, b) => a * b, 1n));
      if (logDigit > logP + 8) {
        throw new RangeError(`key-switching digit q_${s}..q_${e - 1} has ${logDigit.toFixed(1)} bits but P only ${logP.toFixed(1)}: raise dnum or add special primes`);
      }
    }

    this.logQP = log2([...Q, ...P].reduce((a, b) => a * b, 1n));
    this.securityBound = maxLogQP128(logN, this.secret);
    if (!this.insecure && (this.securityBound === undefined || this.logQP > this.securityBound)) {
      throw new CkksError(
        'INSECURE_PARAMETERS',
        this.securityBound === undefined
          ? `no 128-bit security estimate is known for N = 2^${logN} with this secret distribution; pass insecure: true to use it anyway`
          : `log2(QP) = ${this.logQP.toFixed(1)} exceeds the 128-bit bound ${this.securityBound} for N = 2^${logN}; pass insecure: true to use it anyway`,
      );
    }
    Object.freeze(this);
  }

  /** Highest level L (number of Q primes − 1). */
  get maxLevel(): number {
    return this.Q.length - 1;
  }

  /**
   * The key-switching digits of a polynomial at `level` (over q_0 … q_level): those starting at or below the level,
   * the last one cut at it — the ranges [start, end) that decomposition, key products and levelled keys all use.
   */
  digitsAtLevel(level: number): readonly (readonly [number, number])[] {
    if (!Number.isInteger(level) || level < 0 || level > this.maxLevel) throw new RangeError(`digitsAtLevel: level ${level} outside [0, ${this.maxLevel}]`);
    return this.digits.filter(([start]) => start <= level).map(([start, end]) => [start, Math.min(end, level + 1)] as const);
  }

  /** A short stable fingerprint of everything that must match between parties (hex, FNV-1a 64). */
  fingerprint(): string {
    const text = [this.logN, this.Q.join(','), this.P.join(','), this.secret.kind,
      this.secret.kind === 'sparse-ternary' ? this.secret.hammingWeight : 0, this.sigma, this.dnum].join('|');
    let h = 0xcbf29ce484222325n;
    for (let i = 0; i < text.length; i++) h = BigInt.asUintN(64, (h ^ BigInt(text.charCodeAt(i))) * 0x100000001b3n);
    return h.toString(16).padStart(16, '0');
  }
}

function log2(x: bigint): number {
  const bits = x.toString(2).length;
  if (bits <= 52) return Math.log2(Number(x));
  return bits - 52 + Math.log2(Number(x >> BigInt(bits - 52)));
}

function choosePrimes(name: 'Q' | 'P', explicit: readonly bigint[] | undefined, logSizes: readonly number[] | undefined,
  N: number, taken: readonly bigint[]): bigint[] {
  if (explicit !== undefined && logSizes !== undefined) throw new TypeError(`give either ${name} or log${name}, not both`);
  if (explicit !== undefined) {
    const seen = new Set(taken);
    for (const q of explicit) {
      if (typeof q !== 'bigint') throw new TypeError(`${name} primes must be bigints`);
      if (q >= MAX_RNS_MODULUS || !isPrime(q) || (q - 1n) % BigInt(2 * N) !== 0n) {
        throw new RangeError(`${name} prime ${q} must be a prime < 2^61 with q ≡ 1 mod 2N = ${2 * N}`);
      }
      if (seen.has(q)) throw new RangeError(`prime ${q} appears twice in Q ∪ P`);
      seen.add(q);
    }
    return [...explicit];
  }
  if (logSizes === undefined) throw new TypeError(`one of ${name} or log${name} is required`);
  const primes: bigint[] = [];
  const used = [...taken];
  for (const bits of logSizes) {
    if (!Number.isInteger(bits) || bits < 20 || bits > 61) throw new RangeError(`log${name} entries must be integers in [20, 61], got ${bits}`);
    const [p] = generateNttPrimes(bits, 1, N, used);
    primes.push(p!);
    used.push(p!);
  }
  return primes;
}
