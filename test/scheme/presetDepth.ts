// Shared by test/scheme/presetDepth.test.ts (CI) and test/slow/presets.slow.test.ts: the obvious program over a
// preset's whole depth at its default scale (issue 10.3). Slots hold x·∏ y_k with |y_k| = 1 (unit complex
// numbers), so the message keeps magnitude ≤ 1 at every level and the float64 reference is exact to 2^-50.
import { expect } from 'vitest';
import { CkksContext } from '../../src/ckks/scheme/context.js';
import { Encoder } from '../../src/ckks/scheme/encoder.js';
import { Decryptor, Encryptor } from '../../src/ckks/scheme/encryptor.js';
import { Evaluator } from '../../src/ckks/scheme/evaluator.js';
import { KeyGenerator } from '../../src/ckks/scheme/keyGenerator.js';
import type { ParametersLiteral } from '../../src/ckks/scheme/parameters.js';
import { seededRandom } from '../../src/ckks/ring/randomSource.js';
import { randomReals, seed } from './helpers.js';

export interface DepthReport {
  levels: number;
  /** max |error| over slots after each product (index = number of products done). */
  errors: number[];
  /** log2 of the scale after each product. */
  logScales: number[];
}

/** Encrypts at the top level with the default scale and multiplies by a fresh ciphertext at every level down to 0. */
export function runWholeDepth(literal: ParametersLiteral, seedNumber: number, slots?: number): DepthReport {
  const ctx = new CkksContext(literal);
  const random = seededRandom(seed(seedNumber));
  const kg = new KeyGenerator(ctx, random);
  const sk = kg.secretKey();
  const pk = kg.publicKey(sk);
  const ev = new Evaluator(ctx, { relinearizationKey: kg.relinearizationKey(sk) });
  const encoder = new Encoder(ctx);
  const enc = new Encryptor(ctx, random);
  const dec = new Decryptor(ctx, sk);
  const n = slots ?? ctx.params.maxSlots;
  const re = Float64Array.from(randomReals(n, seedNumber));
  const im = new Float64Array(n);
  let ct = enc.encryptPublic(encoder.encode({ re, im }, { slots: n }), pk);
  const errors: number[] = [];
  const logScales: number[] = [];
  for (let k = 1; ct.level > 0; k++) {
    const angles = randomReals(n, seedNumber + k);
    const yRe = angles.map((t) => Math.cos(Math.PI * t)), yIm = angles.map((t) => Math.sin(Math.PI * t));
    const y = enc.encryptPublic(encoder.encode({ re: yRe, im: yIm }, { level: ct.level, slots: n }), pk);
    ct = ev.mulRelinRescale(ct, y);
    for (let j = 0; j < n; j++) {
      const a = re[j]!, b = im[j]!;
      re[j] = a * yRe[j]! - b * yIm[j]!;
      im[j] = a * yIm[j]! + b * yRe[j]!;
    }
    const got = encoder.decode(dec.decrypt(ct));
    let e = 0;
    for (let j = 0; j < n; j++) e = Math.max(e, Math.hypot(got.re[j]! - re[j]!, got.im[j]! - im[j]!));
    errors.push(e);
    logScales.push(Math.log2(ct.scale));
  }
  return { levels: ctx.maxLevel, errors, logScales };
}

/** Every level reached, the scale within one bit of the default, the error below `bound` everywhere. */
export function expectWholeDepth(literal: ParametersLiteral, report: DepthReport, bound: number): void {
  expect(report.errors.length).toBe(report.levels);
  for (const s of report.logScales) expect(Math.abs(s - literal.logDefaultScale)).toBeLessThan(1);
  for (const e of report.errors) expect(e).toBeLessThan(bound);
}
