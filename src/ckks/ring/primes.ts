/**
 * NTT-friendly primes: q ≡ 1 (mod 2N), so Z_q contains a primitive 2N-th root of unity ψ and the
 * negacyclic transform of length N exists (X^N + 1 splits into linear factors X − ψ^{2i+1}).
 *
 * Primality uses Miller–Rabin with the first twelve primes as bases, which is deterministic for every
 * n < 3.317·10^24 > 2^64 (Sorenson & Webster 2015, "Strong pseudoprimes to twelve prime bases").
 */
import { MAX_MODULUS } from './modulus.js';
import { modPow } from './modularScalar.js';

const MILLER_RABIN_BASES = [2n, 3n, 5n, 7n, 11n, 13n, 17n, 19n, 23n, 29n, 31n, 37n] as const;

/** Deterministic primality test, exact for every n < 2^64 (and beyond, up to 3.3·10^24). */
export function isPrime(n: bigint): boolean {
  if (typeof n !== 'bigint') throw new TypeError('isPrime: expected a bigint');
  if (n < 2n) return false;
  for (const p of MILLER_RABIN_BASES) {
    if (n === p) return true;
    if (n % p === 0n) return false;
  }
  let d = n - 1n;
  let s = 0;
  while ((d & 1n) === 0n) {
    d >>= 1n;
    s++;
  }
  for (const a of MILLER_RABIN_BASES) {
    let x = modPow(a, d, n);
    if (x === 1n || x === n - 1n) continue;
    let witnessOfCompositeness = true;
    for (let r = 1; r < s; r++) {
      x = (x * x) % n;
      if (x === n - 1n) {
        witnessOfCompositeness = false;
        break;
      }
    }
    if (witnessOfCompositeness) return false;
  }
  return true;
}

function checkRingDegree(ringDegree: number): void {
  if (!Number.isInteger(ringDegree) || ringDegree < 2 || (ringDegree & (ringDegree - 1)) !== 0 || ringDegree > 1 << 20) {
    throw new RangeError(`ring degree must be a power of two in [2, 2^20], got ${ringDegree}`);
  }
}

/**
 * `count` distinct primes q ≡ 1 (mod 2N) with exactly `bits` bits (2^{bits−1} < q < 2^{bits}),
 * in descending order starting from the largest, skipping any value listed in `exclude`.
 * Throws RangeError when the interval does not hold enough such primes.
 */
export function generateNttPrimes(bits: number, count: number, ringDegree: number, exclude: readonly bigint[] = []): bigint[] {
  checkRingDegree(ringDegree);
  if (!Number.isInteger(bits) || bits < 2 || bits > 62) throw new RangeError(`prime bit size must be in [2, 62], got ${bits}`);
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`prime count must be a non-negative integer, got ${count}`);
  const step = 2n * BigInt(ringDegree);
  const upper = 1n << BigInt(bits);
  const lower = 1n << BigInt(bits - 1);
  const excluded = new Set(exclude);
  const primes: bigint[] = [];
  // Largest candidate ≡ 1 (mod 2N) below 2^bits.
  let candidate = ((upper - 2n) / step) * step + 1n;
  while (primes.length < count && candidate > lower) {
    if (!excluded.has(candidate) && candidate < MAX_MODULUS && isPrime(candidate)) primes.push(candidate);
    candidate -= step;
  }
  if (primes.length < count) {
    throw new RangeError(`only ${primes.length} primes of ${bits} bits are ≡ 1 mod ${step} (asked for ${count})`);
  }
  return primes;
}

/**
 * A primitive m-th root of unity modulo the prime q, for m a power of two dividing q − 1.
 * For g = 2, 3, … take ψ = g^{(q−1)/m}; since m is a power of two, ψ has order exactly m iff
 * ψ^{m/2} = −1. Deterministic (the first such g), and no factorisation of q − 1 is needed.
 */
export function primitiveRootOfUnity(m: number, q: bigint): bigint {
  if (!Number.isInteger(m) || m < 2 || (m & (m - 1)) !== 0) throw new RangeError(`root order must be a power of two ≥ 2, got ${m}`);
  if (!isPrime(q)) throw new RangeError(`primitiveRootOfUnity: ${q} is not prime`);
  const order = BigInt(m);
  if ((q - 1n) % order !== 0n) throw new RangeError(`primitiveRootOfUnity: ${m} does not divide q − 1 for q = ${q}`);
  const cofactor = (q - 1n) / order;
  for (let g = 2n; g < q; g++) {
    const psi = modPow(g, cofactor, q);
    if (modPow(psi, order / 2n, q) === q - 1n) return psi;
  }
  throw new Error('unreachable: Z_q^* is cyclic, so half of its elements give a primitive root');
}
