/**
 * Linear-algebra benchmark (issue: "Homomorphic linear algebra and polynomial evaluation").
 * `npm run bench:linalg -- [--quick]`: at N = 2^14 with the 8-prime chain [60, 40×7 | 60], times 16 rotations of one
 * ciphertext hoisted (one decomposition) against 16 separate rotations, and counts the key switches of a dense
 * 256×256 transform (BSGS). Ends with one JSON line {hoisted_over_plain, bsgs_keyswitches, …}.
 */
import { get, medians, parseFlags } from './harness.js';
import { CkksContext } from '../src/ckks/scheme/context.js';
import { Encoder } from '../src/ckks/scheme/encoder.js';
import { Encryptor } from '../src/ckks/scheme/encryptor.js';
import { Evaluator } from '../src/ckks/scheme/evaluator.js';
import { KeyGenerator } from '../src/ckks/scheme/keyGenerator.js';
import { PN14QP400 } from '../src/ckks/scheme/presets.js';
import { keySwitchCount, matrixDiagonals, planBsgs } from '../src/ckks/circuits/linearTransform/index.js';

const options = parseFlags(process.argv.slice(2));
const ctx = new CkksContext(PN14QP400);
const steps = Array.from({ length: 16 }, (_, i) => i + 1);
const kg = new KeyGenerator(ctx);
const sk = kg.secretKey();
const evaluator = new Evaluator(ctx, { galoisKeys: kg.galoisKeys(sk, steps) });
const encoder = new Encoder(ctx);
const ct = new Encryptor(ctx).encryptPublic(encoder.encode([1, 2, 3]), kg.publicKey(sk));

const results = await medians([
  ['hoisted_16', () => evaluator.rotateHoisted(ct, steps)],
  ['separate_16', () => { for (const s of steps) evaluator.rotate(ct, s); }],
], options);

const values = new Float64Array(256 * 256).fill(1);
const dense = matrixDiagonals({ rows: 256, cols: 256, values }, ctx.params.maxSlots);
const plan = planBsgs([...dense.diagonals.keys()], ctx.params.maxSlots);
const summary = {
  N: ctx.ringDegree,
  hoisted_16_ms: get(results, 'hoisted_16'),
  separate_16_ms: get(results, 'separate_16'),
  hoisted_over_plain: get(results, 'hoisted_16') / get(results, 'separate_16'),
  bsgs_keyswitches: keySwitchCount(plan),
  bsgs_bar: 2 * Math.ceil(Math.sqrt(511)) + 2,
  bsgs_baby_stride: plan.babyStride,
  dense_diagonals: dense.diagonals.size,
};
console.log('| measurement | value |');
console.log('|---|---:|');
for (const [k, v] of Object.entries(summary)) console.log(`| ${k} | ${typeof v === 'number' ? Number(v.toFixed(3)) : v} |`);
console.log(JSON.stringify(summary));
