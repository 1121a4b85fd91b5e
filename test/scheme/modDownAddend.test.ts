// KeySwitcher.modDown with a coefficient-form addend (how public-key encryption adds its error without transforming
// it) against the plain ModDown of x + NTT(e): bit-exact equality is required (the two are the same function by
// linearity of the NTT mod each prime — for any addend, so the test uses uniformly random residues, whose effect on
// the quotient is large; a realistic error |e| ≪ P would change the result only through rare rounding flips).
// Small insecure N = 2^10 with k_P = 2 special primes, every level.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CkksContext } from '../../src/ckks/scheme/context.js';
import { KeySwitcher } from '../../src/ckks/scheme/keySwitch.js';
import { RnsPoly, polyAdd } from '../../src/ckks/ring/rnsPoly.js';
import { smallToResidues } from '../../src/ckks/ring/sampling.js';

const ctx = new CkksContext({ logN: 10, logQ: [55, 40, 40], logP: [56, 56], logDefaultScale: 40, insecure: true });
const switcher = new KeySwitcher(ctx);
const N = ctx.ringDegree;

describe('modDown with a coefficient-form addend (small insecure N = 2^10, k_P = 2)', () => {
  it('modDown(x, ℓ, e) === modDown(x + NTT(e), ℓ), bit for bit, for random x and random e (and ≠ modDown(x))', () => {
    const arb = fc.record({ level: fc.integer({ min: 0, max: ctx.maxLevel }), seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }) });
    fc.assert(fc.property(arb, ({ level, seed }) => {
      const basis = ctx.levelBasisQP(level);
      let r = seed;
      const fill = (p: RnsPoly) => {
        for (let l = 0; l < basis.size; l++) {
          const q = basis.moduli[l]!.value;
          const limb = p.limb(l);
          for (let k = 0; k < N; k++) {
            r = (Math.imul(r, 1103515245) + 12345) >>> 0;
            limb[k] = (BigInt(r) * 0x9e3779b97f4a7n + BigInt(k)) % q;
          }
        }
        return p;
      };
      const x = fill(new RnsPoly(basis, 'evaluation'));
      const e = fill(new RnsPoly(basis, 'coefficient'));
      const reference = switcher.modDown(polyAdd(x, e.clone().toEvaluation(), new RnsPoly(basis, 'evaluation')), level);
      const fused = switcher.modDown(x.clone(), level, e);
      expect(fused.data).toEqual(reference.data);
      expect(switcher.modDown(x.clone(), level).data).not.toEqual(reference.data);
    }), { numRuns: 25 });
  });

  it('with a small error (|e| ≤ 20, as encryption uses) the results are equal too', () => {
    const basis = ctx.levelBasisQP(2);
    const x = new RnsPoly(basis, 'evaluation');
    for (let l = 0; l < basis.size; l++) x.limb(l).forEach((_, k, a) => { a[k] = (BigInt(k) * 0x1234567n + BigInt(l)) % basis.moduli[l]!.value; });
    const small = Int32Array.from({ length: N }, (_, k) => ((k * 7) % 41) - 20);
    const e = new RnsPoly(basis, 'coefficient');
    for (let l = 0; l < basis.size; l++) smallToResidues(small, basis.moduli[l]!.value, e.limb(l));
    const reference = switcher.modDown(polyAdd(x, e.clone().toEvaluation(), new RnsPoly(basis, 'evaluation')), 2);
    expect(switcher.modDown(x.clone(), 2, e).data).toEqual(reference.data);
  });

  it('refuses an addend in evaluation form or over another basis', () => {
    const basis = ctx.levelBasisQP(1);
    const x = new RnsPoly(basis, 'evaluation');
    expect(() => switcher.modDown(x.clone(), 1, new RnsPoly(basis, 'evaluation'))).toThrow(/FORM_MISMATCH|form/);
    expect(() => switcher.modDown(x.clone(), 1, new RnsPoly(ctx.levelBasisQP(2), 'coefficient'))).toThrow();
  });
});
