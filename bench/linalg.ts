/**
 * Linear-algebra benchmark (issue: "Homomorphic linear algebra and polynomial evaluation").
 * `npm run bench:linalg -- [--quick]`: at N = 2^14 with the 8-prime chain [60, 40×7 | 60], times 16 rotations of one
 * ciphertext hoisted (one decomposition) against 16 separate rotations, and counts the key switches of a dense
 * 256×256 transform (BSGS), and times that transform (8192 slots, top level) with single against double hoisting,
 * interleaved in one run. Ends with one JSON line {hoisted_over_plain, bsgs_keyswitches, double_over_single, …}.
 */
import { get, interleavedMedians, parseFlags } from './harness.js';
import { CkksContext } from '../src/ckks/scheme/context.js';
import { Encoder } from '../src/ckks/scheme/encoder.js';
import { Encryptor } from '../src/ckks/scheme/encryptor.js';
import { Evaluator } from '../src/ckks/scheme/evaluator.js';
import { KeyGenerator } from '../src/ckks/scheme/keyGenerator.js';
import { PN14QP400 } from '../src/ckks/scheme/presets.js';
import { LinearTransform, keySwitchCount, matrixDiagonals, planBsgs } from '../src/ckks/circuits/linearTransform/index.js';

const options = parseFlags(process.argv.slice(2));
const ctx = new CkksContext(PN14QP400);
const steps = Array.from({ length: 16 }, (_, i) => i + 1);
const values = Float64Array.from({ length: 256 * 256 }, (_, i) => Math.sin(i) / 16);
const dense = matrixDiagonals({ rows: 256, cols: 256, values }, ctx.params.maxSlots);
const plan = planBsgs([...dense.diagonals.keys()], ctx.params.maxSlots);
const kg = new KeyGenerator(ctx);
const sk = kg.secretKey();
// one key set for both measurements (the dense plan's baby steps include 1 … 16)
const evaluator = new Evaluator(ctx, { galoisKeys: kg.galoisKeys(sk, [...new Set([...steps, ...plan.babySteps, ...plan.giantSteps])]) });
const encoder = new Encoder(ctx);
const ct = new Encryptor(ctx).encryptPublic(encoder.encode([1, 2, 3]), kg.publicKey(sk));

const rounds = options.quick ? 3 : 9;
const results = interleavedMedians([
  ['hoisted_16', () => evaluator.rotateHoisted(ct, steps)],
  ['separate_16', () => { for (const s of steps) evaluator.rotate(ct, s); }],
], rounds);

// The dense transform, single vs double hoisting (a few seconds per evaluation).
const [single, double] = (['single', 'double'] as const).map((hoisting) => LinearTransform.create(encoder, dense, { hoisting })) as [LinearTransform, LinearTransform];
const dense256 = interleavedMedians([
  ['single', () => single.evaluate(evaluator, ct)],
  ['double', () => double.evaluate(evaluator, ct)],
], options.quick ? 1 : 5);

const summary = {
  N: ctx.ringDegree,
  hoisted_16_ms: get(results, 'hoisted_16'),
  separate_16_ms: get(results, 'separate_16'),
  hoisted_over_plain: get(results, 'hoisted_16') / get(results, 'separate_16'),
  bsgs_keyswitches: keySwitchCount(plan),
  bsgs_bar: 2 * Math.ceil(Math.sqrt(511)) + 2,
  bsgs_baby_stride: plan.babyStride,
  dense256_single_ms: get(dense256, 'single'),
  dense256_double_ms: get(dense256, 'double'),
  double_over_single: get(dense256, 'double') / get(dense256, 'single'),
  dense_diagonals: dense.diagonals.size,
};
console.log('| measurement | value |');
console.log('|---|---:|');
for (const [k, v] of Object.entries(summary)) console.log(`| ${k} | ${typeof v === 'number' ? Number(v.toFixed(3)) : v} |`);
console.log(JSON.stringify(summary));
