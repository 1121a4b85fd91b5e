/**
 * Phase profile of one hybrid key switch (relinearisation) at N = 2^14, chain [60, 40×7 | 60]:
 * times decompose (INTT + ModUp + NTTs), the key inner product, and ModDown separately, plus the raw NTT.
 * `npm run build:scripts && node build/bench/profileKeySwitch.js`
 */
import { CkksContext } from '../src/ckks/scheme/context.js';
import { KeyGenerator } from '../src/ckks/scheme/keyGenerator.js';
import { KeySwitcher } from '../src/ckks/scheme/keySwitch.js';
import { RnsPoly } from '../src/ckks/ring/rnsPoly.js';
import { nttForward, nttInverse } from '../src/ckks/ring/ntt.js';
import { PN14QP400 } from '../src/ckks/scheme/presets.js';

function median(f: () => void, reps: number): number {
  for (let i = 0; i < 3; i++) f();
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    f();
    ts.push(performance.now() - t0);
  }
  ts.sort((a, b) => a - b);
  return ts[reps >> 1]!;
}

const ctx = new CkksContext(PN14QP400);
const kg = new KeyGenerator(ctx);
const sk = kg.secretKey();
const rlk = kg.relinearizationKey(sk);
const ks = new KeySwitcher(ctx);
const level = ctx.maxLevel;
const basis = ctx.levelBasis(level);
const d = new RnsPoly(basis, 'evaluation');
for (let i = 0; i < d.data.length; i++) d.data[i] = BigInt(i * 7919) % basis.primes[Math.floor(i / ctx.ringDegree)]!;
const dec = ks.decompose(d);
const reps = 15;
const tDec = median(() => ks.decompose(d), reps);
const tApply = median(() => ks.applyKey(dec, rlk), reps);
const tAll = median(() => ks.switchKey(d, rlk), reps);
const table = basis.tables[1]!;
const limb = d.limb(1).slice();
const tNtt = median(() => { nttForward(limb, table); nttInverse(limb, table); }, 50) / 2;
console.log(JSON.stringify({ N: ctx.ringDegree, decompose_ms: tDec, applyKey_incl_modDown_ms: tApply, switchKey_ms: tAll, ntt_ms: tNtt, qp_limbs: basis.size + ctx.basisP.size }));
