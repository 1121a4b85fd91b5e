/**
 * Rescaling: divide a polynomial over q_0 … q_ℓ by its last prime q_ℓ with rounding to the nearest integer and
 * drop that limb (Cheon–Han–Kim–Kim–Song 2018, "A full RNS variant of approximate HE", §3.3), in the evaluation
 * (NTT) domain. This is the library's only rescale (the scheme's `rescale`, `setScale` and the sparse-secret
 * encapsulation use it; the fused relinearise-and-rescale divides by q_ℓ·P with `ModDownConverter`).
 *
 * With h = ⌊q_ℓ/2⌋ and r = ([x]_{q_ℓ} + h) mod q_ℓ, the integer x + h − r is divisible by q_ℓ and
 * (x + h − r)/q_ℓ = ⌊(x + h)/q_ℓ⌋ = round(x/q_ℓ). Because q_ℓ is odd, x/q_ℓ is never a half-integer: the result
 * is THE nearest integer. Per remaining prime q_i:
 *   x'_i = (x_i − (r − h mod q_i)) · q_ℓ^{-1} mod q_i,
 * where r − h is a small polynomial that needs one inverse NTT (mod q_ℓ) and one forward NTT per q_i. The same
 * residues come out whether x is read in [0, Q) or centred in (−Q/2, Q/2]: the two differ by Q, and
 * round((x − Q)/q_ℓ) = round(x/q_ℓ) − Q/q_ℓ ≡ round(x/q_ℓ) (mod Q/q_ℓ).
 */
import { nttForward, nttInverse } from './ntt.js';
import { addScalarMod, reduceBarrettAddScalar, subMulScalarShoup } from './modularKernels.js';
import { mod, modInverse, shoupCompanion } from './modularScalar.js';
import { RnsPoly } from './rnsPoly.js';
import type { RnsBasis } from './rnsBasis.js';

/** Per-basis constants of rescaling by its last prime (computed once per basis). */
interface RescaleConstants {
  /** (q_i − ⌊q_ℓ/2⌋ mod q_i) mod q_i: subtracts h from the correction term. */
  minusHalf: bigint[];
  /** q_ℓ^{-1} mod q_i and Shoup companions. */
  inverse: bigint[];
  inverseShoup: bigint[];
}

const constantsCache = new WeakMap<RnsBasis, RescaleConstants>();

function constantsFor(basis: RnsBasis): RescaleConstants {
  let c = constantsCache.get(basis);
  if (c !== undefined) return c;
  const last = basis.size - 1;
  const qLast = basis.moduli[last]!.value;
  const half = qLast >> 1n;
  const primes = basis.primes.slice(0, last);
  const inverse = primes.map((qi) => modInverse(mod(qLast, qi), qi));
  c = {
    minusHalf: primes.map((qi) => (qi - (half % qi)) % qi),
    inverse,
    inverseShoup: inverse.map((v, i) => shoupCompanion(v, primes[i]!)),
  };
  constantsCache.set(basis, c);
  return c;
}

/**
 * Returns round(a / q_ℓ) over the basis without its last prime q_ℓ, exactly, in evaluation form; `a` (evaluation
 * form, at least two primes) is unchanged. `out` (over `a.basis.prefix(ℓ)`) may be `a.dropLastLimbs()` to work in
 * place; any other overlap with `a` is a RangeError. `scratch` (N words) may be passed to avoid an allocation.
 */
export function rescaleByLastPrime(a: RnsPoly, out?: RnsPoly, scratch?: BigUint64Array): RnsPoly {
  if (!(a instanceof RnsPoly)) throw new TypeError('rescale: expected an RnsPoly');
  a.requireForm('evaluation', 'rescale');
  const basis = a.basis;
  const last = basis.size - 1;
  if (last < 1) throw new RangeError('rescale: a polynomial with one prime cannot be rescaled');
  const target = basis.prefix(last);
  const result = out ?? new RnsPoly(target, 'evaluation');
  target.assertSame(result.basis, 'rescale (output)');
  const rd = result.data;
  const ad = a.data;
  if (rd.buffer === ad.buffer && rd.byteOffset !== ad.byteOffset
    && rd.byteOffset < ad.byteOffset + ad.byteLength && ad.byteOffset < rd.byteOffset + rd.byteLength) {
    throw new RangeError('rescale: out must be a.dropLastLimbs() or disjoint from a');
  }
  const N = basis.ringDegree;
  const qLast = basis.moduli[last]!.value;
  const k = constantsFor(basis);
  // r = ([x]_{q_ℓ} + h) mod q_ℓ in coefficient form
  const r = new BigUint64Array(N);
  r.set(a.limb(last));
  nttInverse(r, basis.tables[last]!);
  addScalarMod(r, qLast >> 1n, r, qLast);
  const tmp = scratch ?? new BigUint64Array(N);
  for (let i = 0; i < last; i++) {
    const m = basis.moduli[i]!;
    // tmp = (r − h) mod q_i, then to evaluation form mod q_i; out = (x_i − tmp)·q_ℓ^{-1}
    reduceBarrettAddScalar(r, k.minusHalf[i]!, tmp, m.value, m.barrett);
    nttForward(tmp, basis.tables[i]!);
    subMulScalarShoup(a.limb(i), tmp, k.inverse[i]!, k.inverseShoup[i]!, result.limb(i), m.value);
  }
  result.form = 'evaluation';
  return result;
}
