/**
 * Galois automorphisms of Z_Q[X]/(X^N + 1): σ_k : a(X) ↦ a(X^k) for odd k in [1, 2N). They form the group
 * (Z/2NZ)^× ≅ ⟨5⟩ × ⟨−1⟩; in CKKS σ_{5^r} rotates the packed slots by r and σ_{2N−1} conjugates them
 * (Cheon–Kim–Kim–Song 2017, §4; Gentry–Halevi–Smart 2012, "Homomorphic evaluation of the AES circuit", §4.1).
 *
 * - Coefficient form: X^i ↦ X^{ik mod 2N}, and X^N = −1, so coefficient i moves to index ik mod N,
 *   negated when ik mod 2N ≥ N. Implemented as a gather out[j] = ±a[src(j)] with a 64-bit sign mask and
 *   the branch-free negation r = (v ⊕ m) − m, r + (q ∧ (r ≫ 63)).
 * - Evaluation form (bit-reversed negacyclic NTT, out[j] = a(ψ^{2·brv(j)+1}), see `ntt.ts`):
 *   σ_k(a)(ψ^e) = a(ψ^{ek}), so the automorphism is a pure permutation of the N values:
 *   out[j] = in[π(j)] with 2·brv(π(j)) + 1 ≡ (2·brv(j) + 1)·k (mod 2N).
 *
 * Both index tables are precomputed once per (N, k) and cached. Kernels follow the BigInt-lowering rules
 * of `modularKernels.ts`.
 */
import { CkksError } from '../errors.js';
import { bitReverse } from './modularScalar.js';
import type { RnsPoly } from './rnsPoly.js';

/** Largest ring degree the index tables support (matches the NTT's 2^17). */
const MAX_RING_DEGREE = 1 << 17;
const ALL_ONES = 0xffffffffffffffffn;

function checkRingDegree(ringDegree: number, where: string): void {
  if (typeof ringDegree !== 'number') throw new TypeError(`${where}: ring degree must be a number`);
  if (!Number.isInteger(ringDegree) || ringDegree < 2 || ringDegree > MAX_RING_DEGREE || (ringDegree & (ringDegree - 1)) !== 0) {
    throw new RangeError(`${where}: ring degree must be a power of two in [2, 2^17], got ${ringDegree}`);
  }
}

function checkGaloisElement(galoisElement: number, ringDegree: number, where: string): void {
  if (typeof galoisElement !== 'number') throw new TypeError(`${where}: Galois element must be a number`);
  if (!Number.isInteger(galoisElement) || galoisElement < 1 || galoisElement >= 2 * ringDegree || (galoisElement & 1) === 0) {
    throw new RangeError(`${where}: Galois element must be an odd integer in [1, 2N = ${2 * ringDegree}), got ${galoisElement}`);
  }
}

/** Product a·b mod m for non-negative integers a, b, m < 2^26 (so a·b is exact in a double). */
function mulModSmall(a: number, b: number, m: number): number {
  return (a * b) % m;
}

/**
 * The Galois element 5^steps mod 2N that rotates CKKS slots by `steps` positions to the left
 * (slot i of the result holds slot i + steps of the input). Negative `steps` rotate right (the inverse
 * element). Steps are taken modulo N/2, the order of 5 in (Z/2NZ)^×.
 */
export function galoisElementForRotation(steps: number, ringDegree: number): number {
  checkRingDegree(ringDegree, 'galoisElementForRotation');
  if (typeof steps !== 'number') throw new TypeError('galoisElementForRotation: steps must be a number');
  if (!Number.isSafeInteger(steps)) throw new RangeError(`galoisElementForRotation: steps must be a safe integer, got ${steps}`);
  const m = 2 * ringDegree;
  const order = ringDegree / 2;
  let e = ((steps % order) + order) % order;
  let base = 5 % m;
  let result = 1 % m;
  while (e > 0) {
    if (e & 1) result = mulModSmall(result, base, m);
    base = mulModSmall(base, base, m);
    e >>>= 1;
  }
  return result;
}

/** The Galois element 2N − 1 (X ↦ X^{−1}), which maps every CKKS slot to its complex conjugate. */
export function conjugationElement(ringDegree: number): number {
  checkRingDegree(ringDegree, 'conjugationElement');
  return 2 * ringDegree - 1;
}

/** k^{-1} mod 2N for an odd Galois element k: σ_{k^{-1}} undoes σ_k. */
export function inverseGaloisElement(galoisElement: number, ringDegree: number): number {
  checkRingDegree(ringDegree, 'inverseGaloisElement');
  checkGaloisElement(galoisElement, ringDegree, 'inverseGaloisElement');
  const m = 2 * ringDegree;
  // (Z/2NZ)^× has order φ(2N) = N, so k^N = 1 and k^{-1} = k^{N−1}.
  let e = ringDegree - 1;
  let base = galoisElement;
  let result = 1;
  while (e > 0) {
    if (e & 1) result = mulModSmall(result, base, m);
    base = mulModSmall(base, base, m);
    e >>>= 1;
  }
  return result;
}

/** σ_j ∘ σ_k = σ_{jk mod 2N}: the Galois element of the composition. */
export function composeGaloisElements(j: number, k: number, ringDegree: number): number {
  checkRingDegree(ringDegree, 'composeGaloisElements');
  checkGaloisElement(j, ringDegree, 'composeGaloisElements');
  checkGaloisElement(k, ringDegree, 'composeGaloisElements');
  return mulModSmall(j, k, 2 * ringDegree);
}

/** The coefficient-form index table of σ_k: out[j] = a[source[j]], negated where negateMask[j] = 2^64 − 1. */
export interface CoefficientAutomorphismTable {
  readonly ringDegree: number;
  readonly galoisElement: number;
  /** source[j] = the input index whose coefficient lands at output index j. */
  readonly source: Uint32Array;
  /** 0 (keep) or 2^64 − 1 (negate) per output index. */
  readonly negateMask: BigUint64Array;
}

const evaluationCache = new Map<number, Uint32Array>();
const coefficientCache = new Map<number, CoefficientAutomorphismTable>();

function cacheKey(ringDegree: number, galoisElement: number): number {
  // N ≤ 2^17 and k < 2^18: the key is an exact integer below 2^36.
  return ringDegree * 0x40000 + galoisElement;
}

/**
 * The evaluation-form permutation π of σ_k for ring degree N (cached; shared — do not mutate):
 * out[j] = in[π[j]] with 2·brv(π[j]) + 1 ≡ (2·brv(j) + 1)·k (mod 2N), for the bit-reversed order of `nttForward`.
 */
export function evaluationAutomorphismTable(ringDegree: number, galoisElement: number): Uint32Array {
  checkRingDegree(ringDegree, 'evaluationAutomorphismTable');
  checkGaloisElement(galoisElement, ringDegree, 'evaluationAutomorphismTable');
  const key = cacheKey(ringDegree, galoisElement);
  const cached = evaluationCache.get(key);
  if (cached !== undefined) return cached;
  const logN = Math.log2(ringDegree);
  const m = 2 * ringDegree;
  const perm = new Uint32Array(ringDegree);
  for (let j = 0; j < ringDegree; j++) {
    const e = 2 * bitReverse(j, logN) + 1;
    const ek = mulModSmall(e, galoisElement, m); // odd, since e and k are odd
    perm[j] = bitReverse((ek - 1) >>> 1, logN);
  }
  evaluationCache.set(key, perm);
  return perm;
}

/**
 * The coefficient-form gather table of σ_k for ring degree N (cached; shared — do not mutate):
 * coefficient i goes to index ik mod N, negated when ik mod 2N ≥ N.
 */
export function coefficientAutomorphismTable(ringDegree: number, galoisElement: number): CoefficientAutomorphismTable {
  checkRingDegree(ringDegree, 'coefficientAutomorphismTable');
  checkGaloisElement(galoisElement, ringDegree, 'coefficientAutomorphismTable');
  const key = cacheKey(ringDegree, galoisElement);
  const cached = coefficientCache.get(key);
  if (cached !== undefined) return cached;
  const m = 2 * ringDegree;
  const source = new Uint32Array(ringDegree);
  const negateMask = new BigUint64Array(ringDegree);
  for (let i = 0; i < ringDegree; i++) {
    const t = mulModSmall(i, galoisElement, m);
    const dest = t & (ringDegree - 1);
    source[dest] = i;
    negateMask[dest] = t >= ringDegree ? ALL_ONES : 0n;
  }
  const table: CoefficientAutomorphismTable = Object.freeze({ ringDegree, galoisElement, source, negateMask });
  coefficientCache.set(key, table);
  return table;
}

/** Drops every cached index table (they take 4–12 bytes per coefficient per Galois element). */
export function clearAutomorphismCache(): void {
  evaluationCache.clear();
  coefficientCache.clear();
}

function overlaps(x: BigUint64Array, y: BigUint64Array): boolean {
  if (x.buffer !== y.buffer) return false;
  const xs = x.byteOffset;
  const ys = y.byteOffset;
  return xs < ys + y.byteLength && ys < xs + x.byteLength;
}

/**
 * out = σ_k(a) for a in either form (the form is kept: coefficient → coefficient, evaluation →
 * evaluation). `out` must be over the same basis and must not share memory with `a` (RangeError).
 * Returns `out`.
 */
export function applyAutomorphism(a: RnsPoly, k: number, out: RnsPoly): RnsPoly {
  a.basis.assertSame(out.basis, 'applyAutomorphism');
  const n = a.basis.ringDegree;
  checkGaloisElement(k, n, 'applyAutomorphism');
  if (overlaps(a.data, out.data)) throw new RangeError('applyAutomorphism: out must not alias the input');
  const limbs = a.basis.size;
  if (a.form === 'evaluation') {
    const perm = evaluationAutomorphismTable(n, k);
    for (let l = 0; l < limbs; l++) gatherKernel(a.data, l * n, perm, out.data);
  } else if (a.form === 'coefficient') {
    const table = coefficientAutomorphismTable(n, k);
    for (let l = 0; l < limbs; l++) {
      gatherNegateKernel(a.data, l * n, table.source, table.negateMask, out.data, a.basis.moduli[l]!.value);
    }
  } else {
    throw new CkksError('FORM_MISMATCH', `applyAutomorphism: unknown form ${String(a.form)}`);
  }
  out.form = a.form;
  return out;
}

/**
 * acc ← acc + σ_k(src) mod q for one limb in evaluation form (acc[j] += src[perm_k(j)]; both in [0, q), q < 2^63):
 * the gather of `applyAutomorphism` fused with the sum a rotation sum needs, one pass instead of two.
 */
export function automorphismAccumulateLimb(src: BigUint64Array, k: number, acc: BigUint64Array, modulus: bigint): void {
  const n = acc.length;
  if (src.length !== n) throw new RangeError(`automorphismAccumulateLimb: ${src.length} and ${n} words`);
  checkGaloisElement(k, n, 'automorphismAccumulateLimb');
  if (overlaps(src, acc)) throw new RangeError('automorphismAccumulateLimb: acc must not alias the input');
  gatherAddKernel(src, evaluationAutomorphismTable(n, k), acc, modulus);
}

/** acc ← acc + σ_k(a) limb by limb, both in evaluation form over one basis (`automorphismAccumulateLimb`). Returns acc. */
export function applyAutomorphismAccumulate(a: RnsPoly, k: number, acc: RnsPoly): RnsPoly {
  a.basis.assertSame(acc.basis, 'applyAutomorphismAccumulate');
  a.requireForm('evaluation', 'applyAutomorphismAccumulate');
  acc.requireForm('evaluation', 'applyAutomorphismAccumulate');
  for (let l = 0; l < a.limbCount; l++) automorphismAccumulateLimb(a.limb(l), k, acc.limb(l), a.basis.moduli[l]!.value);
  return acc;
}

function gatherAddKernel(a: BigUint64Array, perm: Uint32Array, acc: BigUint64Array, modulus: bigint): void {
  const q = BigInt.asUintN(64, modulus);
  const n = perm.length;
  for (let j = 0; j < n; j++) {
    const s = BigInt.asIntN(64, acc[j]! + a[perm[j]!]! - q);
    acc[j] = BigInt.asUintN(64, s + BigInt.asUintN(64, q & BigInt.asUintN(64, s >> 63n)));
  }
}

/** out[offset + j] = a[offset + perm[j]] for j < perm.length. */
function gatherKernel(a: BigUint64Array, offset: number, perm: Uint32Array, out: BigUint64Array): void {
  const n = perm.length;
  for (let j = 0; j < n; j++) {
    out[offset + j] = BigInt.asUintN(64, a[offset + perm[j]!]!);
  }
}

/**
 * out[offset + j] = ±a[offset + src[j]] mod q, negated (branch-free) where mask[j] = 2^64 − 1:
 * (v ⊕ m) − m is v or −v in two's complement; adding q when negative gives q − v, and −0 stays 0.
 */
function gatherNegateKernel(
  a: BigUint64Array, offset: number, src: Uint32Array, mask: BigUint64Array, out: BigUint64Array, modulus: bigint,
): void {
  const q = BigInt.asUintN(64, modulus);
  const n = src.length;
  for (let j = 0; j < n; j++) {
    const v = a[offset + src[j]!]!;
    const m = mask[j]!;
    const r = BigInt.asIntN(64, BigInt.asUintN(64, v ^ m) - m);
    out[offset + j] = BigInt.asUintN(64, r + BigInt.asUintN(64, q & BigInt.asUintN(64, r >> 63n)));
  }
}

/**
 * Warms the kernels up on tiny arrays at load time. The gathers do no arithmetic and measured fine
 * without it; it is cheap insurance against the first-large-call OSR problem that measurably de-lowers
 * the arithmetic kernels (see `warmUpKernels` in `baseConversion.ts`).
 */
function warmUpKernels(): void {
  const a = new BigUint64Array(8).map((_, i) => BigInt(i) * 0x1f2e3d4c5b6a798n);
  const out = new BigUint64Array(8);
  const perm = new Uint32Array([3, 1, 4, 0, 5, 2, 7, 6]);
  const mask = new BigUint64Array(8).map((_, i) => ((i & 1) === 0 ? ALL_ONES : 0n));
  for (let r = 0; r < 32; r++) {
    gatherKernel(a, 0, perm, out);
    gatherNegateKernel(a, 0, perm, mask, out, (1n << 61n) - 1n);
    out.fill(0n);
    gatherAddKernel(a.map((x) => x % ((1n << 61n) - 1n)), perm, out, (1n << 61n) - 1n);
  }
}
warmUpKernels();
