// Key-switching noise, measured in the coefficient domain and bounded (small insecure N = 2^10).
// For u = KS(d): e = u_0 + u_1·s − d·s' (s' = s² for the relinearisation key). With digits d_j (< D_max),
// key errors |e_j| ≤ 6σ and ModDown rounding ≤ k_P per coefficient of u_0 and u_1:
//   ‖e‖_∞ ≤ dnum·N·(D_max/P)·6σ + k_P·(1 + ‖s‖_1)      (worst case; typical values are far smaller).
import { describe, expect, it } from 'vitest';
import { CkksContext } from '../../src/ckks/scheme/context.js';
import { KeyGenerator } from '../../src/ckks/scheme/keyGenerator.js';
import { KeySwitcher } from '../../src/ckks/scheme/keySwitch.js';
import { RnsPoly, polyAdd, polyMul, polySub } from '../../src/ckks/ring/rnsPoly.js';
import { sampleUniformModQ } from '../../src/ckks/ring/sampling.js';
import { seededRandom } from '../../src/ckks/ring/randomSource.js';
import { crtReconstructPolyCentered } from '../../src/ckks/ring/crt.js';

function measure(literal: { logN: number; logQ: number[]; logP: number[]; dnum?: number }) {
  const ctx = new CkksContext({ ...literal, logDefaultScale: 30, insecure: true });
  const random = seededRandom(new Uint8Array(32).fill(9));
  const kg = new KeyGenerator(ctx, random);
  const sk = kg.secretKey();
  const rlk = kg.relinearizationKey(sk);
  const ks = new KeySwitcher(ctx);
  const level = ctx.maxLevel;
  const basis = ctx.levelBasis(level);
  const d = new RnsPoly(basis, 'evaluation');
  for (let l = 0; l < basis.size; l++) sampleUniformModQ(basis.moduli[l]!.value, d.limb(l), random);
  const [u0, u1] = ks.switchKey(d, rlk);
  const s = sk.poly.dropLastLimbs(ctx.params.P.length);
  const s2 = polyMul(s, s, new RnsPoly(basis, 'evaluation'));
  const e = polyAdd(u0, polyMul(u1, s, new RnsPoly(basis, 'evaluation')), new RnsPoly(basis, 'evaluation'));
  polySub(e, polyMul(d, s2, new RnsPoly(basis, 'evaluation')), e);
  const coeffs = crtReconstructPolyCentered(e.toCoefficient());
  const max = coeffs.reduce((m, c) => (c < 0n ? -c : c) > m ? (c < 0n ? -c : c) : m, 0n);
  const P = ctx.params.P.reduce((a, b) => a * b, 1n);
  const dMax = Math.max(...ctx.params.digits.map(([a, b]) => ctx.params.Q.slice(a, b).reduce((x, y) => x * Number(y), 1)));
  const sNorm = sk.coefficients.reduce((t, c) => t + Math.abs(c), 0);
  const N = ctx.ringDegree;
  const bound = ctx.params.dnum * N * (dMax / Number(P)) * 6 * ctx.params.sigma + ctx.params.P.length * (1 + sNorm);
  return { max: Number(max), bound };
}

describe('key-switching noise (small insecure N = 2^10)', () => {
  it('two digits of two primes, P of two 56-bit primes: ‖e‖_∞ within the worst-case bound', () => {
    const { max, bound } = measure({ logN: 10, logQ: [55, 40, 40, 40], logP: [56, 56] });
    expect(max).toBeLessThanOrEqual(bound);
    expect(max).toBeLessThan(2 ** 12); // vs |d·s'| ~ 2^175: the switch is correct to 163 bits
  });
  it('one digit per prime (dnum = 4), one special prime', () => {
    const { max, bound } = measure({ logN: 10, logQ: [50, 40, 40, 40], logP: [55], dnum: 4 });
    expect(max).toBeLessThanOrEqual(bound);
  });
  it('digits larger than P make the noise grow as D_max/P (sanity of the bound\'s shape)', () => {
    const small = measure({ logN: 10, logQ: [40, 40], logP: [48], dnum: 2 }); // digits 40 bits, P 48 bits
    const large = measure({ logN: 10, logQ: [40, 40], logP: [40, 35], dnum: 1 }); // digit 80 bits, P 75 bits
    expect(small.max).toBeLessThanOrEqual(small.bound);
    expect(large.max).toBeGreaterThan(small.max * 4);
    expect(large.max).toBeLessThanOrEqual(large.bound);
  });
});
