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
import { RnsBasis } from '../src/ckks/ring/rnsBasis.js';
import { RnsPoly } from '../src/ckks/ring/rnsPoly.js';
import { applyAutomorphism, galoisElementForRotation } from '../src/ckks/ring/automorphism.js';
import { BaseConverter } from '../src/ckks/ring/baseConversion.js';

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

// One-limb polynomials for the automorphism (evaluation-form permutation, rotation by 1 slot).
const basis1 = RnsBasis.fromTables([table]);
const polyIn = new RnsPoly(basis1, 'evaluation', a.slice());
const polyOut = new RnsPoly(basis1, 'evaluation');
const galois = galoisElementForRotation(1, N);
// Fast base conversion of 4 × 40-bit limbs to 2 × 60-bit limbs at N = 2^16 (ModUp-sized).
const from = RnsBasis.create(N, generateNttPrimes(40, 4, N));
const to = RnsBasis.create(N, generateNttPrimes(59, 2, N));
const converter = new BaseConverter(from, to);
const src = from.moduli.map((m, i) => randomResidues(N, 10 + i).map((v) => v % m.value));
const dst = to.moduli.map(() => new BigUint64Array(N));

const results = await medians([
  ['ntt_fwd', () => nttForward(work, table)],
  ['ntt_inv', () => nttInverse(work, table)],
  ['automorphism', () => applyAutomorphism(polyIn, galois, polyOut)],
  ['base_conversion', () => converter.convertLimbs(src, dst)],
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
  automorphism_ns_per_coeff: (get(results, 'automorphism') * msToNs) / N,
  base_conversion_4to2_ns_per_coeff: (get(results, 'base_conversion') * msToNs) / N,
};
console.log('| kernel | median |');
console.log('|---|---:|');
for (const [name, ms] of results) console.log(`| ${name} (N = 2^${logN}) | ${(ms * 1000).toFixed(1)} µs |`);
console.log(JSON.stringify(summary));
