// Measures rotation/conjugation noise against a product's (see rotationNoise.test.ts for the rationale and bounds).
import { expect } from 'vitest';
import { CkksContext } from '../../src/ckks/scheme/context.js';
import { Encoder } from '../../src/ckks/scheme/encoder.js';
import { Decryptor, Encryptor } from '../../src/ckks/scheme/encryptor.js';
import { Evaluator } from '../../src/ckks/scheme/evaluator.js';
import { KeyGenerator } from '../../src/ckks/scheme/keyGenerator.js';
import type { ParametersLiteral } from '../../src/ckks/scheme/parameters.js';
import { seededRandom } from '../../src/ckks/ring/randomSource.js';
import { randomReals, seed } from './helpers.js';

export interface NoiseReport {
  /** max |error| over slots for mul + relinearise + rescale, rotation by 1, by 37, conjugation. */
  mul: number;
  rotate: number;
  rotateFar: number;
  conjugate: number;
  /** max / RMS of the slot errors of rotation by 1 and of conjugation. */
  rotatePeak: number;
  conjugatePeak: number;
}

function slotErrors(got: { re: Float64Array; im: Float64Array }, want: ArrayLike<number>): Float64Array {
  const e = new Float64Array(want.length);
  for (let j = 0; j < want.length; j++) e[j] = Math.hypot(got.re[j]! - want[j]!, got.im[j]!);
  return e;
}
const maxOf = (e: Float64Array): number => e.reduce((m, x) => Math.max(m, x), 0);
const rmsOf = (e: Float64Array): number => Math.sqrt(e.reduce((s, x) => s + x * x, 0) / e.length);

/** Measures the noise of one rotation/conjugation and of one product at the top level of `literal`. */
export function measureKeySwitchNoise(literal: ParametersLiteral, seedNumber: number): NoiseReport {
  const ctx = new CkksContext(literal);
  const random = seededRandom(seed(seedNumber));
  const kg = new KeyGenerator(ctx, random);
  const sk = kg.secretKey();
  const pk = kg.publicKey(sk);
  const ev = new Evaluator(ctx, { relinearizationKey: kg.relinearizationKey(sk), galoisKeys: kg.galoisKeys(sk, [1, 37], true) });
  const encoder = new Encoder(ctx);
  const enc = new Encryptor(ctx, random);
  const dec = new Decryptor(ctx, sk);
  const n = ctx.params.maxSlots;
  const x = randomReals(n, seedNumber + 1);
  const ct = enc.encryptPublic(encoder.encode(x), pk);
  const decode = (c: typeof ct) => encoder.decode(dec.decrypt(c));
  const square = x.map((v) => v * v);
  const rotated = (r: number) => Float64Array.from({ length: n }, (_, j) => x[(j + r) % n]!);
  const eMul = slotErrors(decode(ev.mulRelinRescale(ct, ct)), square);
  const eRot = slotErrors(decode(ev.rotate(ct, 1)), rotated(1));
  const eFar = slotErrors(decode(ev.rotate(ct, 37)), rotated(37));
  const eConj = slotErrors(decode(ev.conjugate(ct)), x);
  return {
    mul: maxOf(eMul), rotate: maxOf(eRot), rotateFar: maxOf(eFar), conjugate: maxOf(eConj),
    rotatePeak: maxOf(eRot) / rmsOf(eRot), conjugatePeak: maxOf(eConj) / rmsOf(eConj),
  };
}

export function expectKeySwitchNoiseLikeRelinearisation(r: NoiseReport): void {
  expect(r.rotate).toBeLessThanOrEqual(2 * r.mul);
  expect(r.rotateFar).toBeLessThanOrEqual(2 * r.mul);
  expect(r.conjugate).toBeLessThanOrEqual(2 * r.mul);
  expect(r.rotatePeak).toBeLessThan(10);
  expect(r.conjugatePeak).toBeLessThan(10);
}

