/**
 * Ring-layer micro-benchmarks (issue: "exact, fast ring layer"): NTT, modular products, automorphism.
 * `npm run bench:ring -- [--quick]`; prints a table and ends with one JSON line.
 * Guards the BigInt-lowering rules: a kernel that silently falls back to heap BigInts is 5–10× slower.
 */
import { Modulus } from '../src/ckks/ring/modulus.js';
import { generateNttPrimes } from '../src/ckks/ring/primes.js';
import { NttTable, nttForward, nttInverse } from '../src/ckks/ring/ntt.js';
import { mulMod, mulMontgomery, mulScalarShoup } from '../src/ckks/ring/modularKernels.js';
import { get, medians, parseFlags } from './harness.js';

const options = parseFlags(process.argv.slice(2));
const logN = 16;
const N = 1 << logN;
const [qValue] = generateNttPrimes(60, 1, N);
const modulus = new Modulus(qValue!);
const table = new NttTable(modulus, N);
const q = modulus.value;

function randomResidues(n: number, seed: number): BigUint64Array {
  const out = new BigUint64Array(n);
  let s = BigInt(seed) | 1n;
  for (let i = 0; i < n; i++) {
    s = BigInt.asUintN(64, s * 6364136223846793005n + 1442695040888963407n);
    out[i] = s % q;
  }
  return out;
}

const a = randomResidues(N, 1);
const b = randomResidues(N, 2);
const c = new BigUint64Array(N);
const work = a.slice();

const results = await medians([
  ['ntt_fwd', () => nttForward(work, table)],
  ['ntt_inv', () => nttInverse(work, table)],
  ['mulmod', () => mulMod(a, b, c, q, modulus.montgomeryNegInverse, modulus.rModQ, modulus.rModQShoup)],
  ['montgomery', () => mulMontgomery(a, b, c, q, modulus.montgomeryNegInverse)],
  ['shoup_scalar', () => mulScalarShoup(a, 12345n, (12345n << 64n) / q, c, q)],
], options);

const butterflies = (N / 2) * logN;
const msToNs = 1e6;
const summary = {
  N,
  q_bits: modulus.bits,
  ntt_fwd_ns_per_butterfly: (get(results, 'ntt_fwd') * msToNs) / butterflies,
  ntt_inv_ns_per_butterfly: (get(results, 'ntt_inv') * msToNs) / butterflies,
  mulmod_ns: (get(results, 'mulmod') * msToNs) / N,
  montgomery_ns: (get(results, 'montgomery') * msToNs) / N,
  shoup_scalar_ns: (get(results, 'shoup_scalar') * msToNs) / N,
};
console.log('| kernel | median |');
console.log('|---|---:|');
for (const [name, ms] of results) console.log(`| ${name} (N = 2^${logN}) | ${(ms * 1000).toFixed(1)} µs |`);
console.log(JSON.stringify(summary));
