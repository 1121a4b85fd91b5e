/**
 * The project's main job on a bundled default. Today: the ring layer end to end — build an RNS basis of
 * NTT-friendly primes, multiply two polynomials in Z_Q[X]/(X^N+1) through the NTT, check the result
 * against a schoolbook product computed with BigInt, and report timings. (The encrypted face pipeline
 * replaces this demo as the scheme layers land.)
 */
import { RnsBasis, RnsPoly, generateNttPrimes, polyMul } from '../src/ckks/index.js';

const logN = 12;
const N = 1 << logN;
const primes = [...generateNttPrimes(60, 1, N), ...generateNttPrimes(40, 3, N)];
const basis = RnsBasis.create(N, primes);
const Q = basis.product();
console.log(`ring: N = 2^${logN}, Q = ${primes.length} primes (${primes.map((p) => p.toString(2).length).join('+')} bits)`);

let seed = 0x2545f4914f6cdd1dn;
const next = () => (seed = BigInt.asUintN(64, seed * 6364136223846793005n + 1442695040888963407n));
const a = Array.from({ length: N }, () => (next() % Q) - Q / 2n);
const b = Array.from({ length: N }, () => BigInt(Number(next() % 7n) - 3));

const t0 = performance.now();
const pa = RnsPoly.fromCoefficients(basis, a).toEvaluation();
const pb = RnsPoly.fromCoefficients(basis, b).toEvaluation();
const product = polyMul(pa, pb, new RnsPoly(basis, 'evaluation')).toCoefficient();
const t1 = performance.now();

// Independent check: schoolbook negacyclic product with BigInt, on a sample of output coefficients.
const mod = (x: bigint) => ((x % Q) + Q) % Q;
let checked = 0;
for (let k = 0; k < N; k += 97) {
  let acc = 0n;
  for (let i = 0; i < N; i++) {
    const j = k - i;
    acc += j >= 0 ? a[i]! * b[j]! : -a[i]! * b[j + N]!;
  }
  const residues = basis.moduli.map((m, l) => product.limb(l)[k]! === mod(acc) % m.value);
  if (!residues.every(Boolean)) throw new Error(`mismatch at coefficient ${k}`);
  checked++;
}
console.log(`NTT product of two degree-${N - 1} polynomials over ${primes.length} limbs: ${(t1 - t0).toFixed(1)} ms`);
console.log(`checked ${checked} coefficients against a BigInt schoolbook product: all equal`);
