// Compile-time guarantees of the protocol's server side (checked by `tsc --noEmit`, which CI runs on the tests): no
// server type accepts a secret key. Each `@ts-expect-error` line must be a type error — if a change made a secret key
// acceptable there, tsc would report the directive as unused and fail. At run time the same calls are refused too.
import { describe, expect, it } from 'vitest';
import { CkksContext } from '../../src/ckks/scheme/context.js';
import { KeyGenerator } from '../../src/ckks/scheme/keyGenerator.js';
import type { SecretKey } from '../../src/ckks/scheme/keys.js';
import { ServerKeys } from '../../src/face/protocol/evaluationKeys.js';
import { FaceServer } from '../../src/face/protocol/server.js';
import type { FaceSetup, FaceKeyPlan } from '../../src/face/protocol/faceSetup.js';

/** Type-level only: never called. */
export function typeChecks(setup: FaceSetup, keys: ServerKeys, sk: SecretKey, plan: FaceKeyPlan): void {
  // @ts-expect-error a secret key is not ServerKeys
  FaceServer.create(setup, sk);
  // @ts-expect-error ServerKeys has no place for a secret key (excess property)
  FaceServer.create(setup, { ...keys, secretKey: sk });
  // @ts-expect-error a secret key is not a public key
  ServerKeys.fromKeys(setup.context, plan, { publicKey: sk, relinearizationKey: keys.relinearizationKey, galoisKeys: keys.galoisKeys });
  // @ts-expect-error nor a relinearisation key
  ServerKeys.fromKeys(setup.context, plan, { publicKey: keys.publicKey, relinearizationKey: sk, galoisKeys: keys.galoisKeys });
  // @ts-expect-error ServerKeys cannot be built directly (private constructor): only from checked blobs or keys
  new ServerKeys(keys.publicKey, keys.relinearizationKey, keys.galoisKeys, undefined);
}

describe('protocol types (insecure N = 2^10)', () => {
  it('at run time a secret key passed where a public or relinearisation key belongs is a TypeError', () => {
    const ctx = new CkksContext({ logN: 10, logQ: [50, 40], logP: [50], logDefaultScale: 30, insecure: true });
    const kg = new KeyGenerator(ctx);
    const sk = kg.secretKey();
    const plan: FaceKeyPlan = { galoisKeys: [], relinearizationLevel: 1, ephemeralHammingWeight: 0, bytes: 0, bytesSeeded: 0 };
    const rlk = kg.relinearizationKey(sk);
    expect(() => ServerKeys.fromKeys(ctx, plan, { publicKey: sk as never, relinearizationKey: rlk, galoisKeys: new Map() })).toThrow(TypeError);
    expect(() => ServerKeys.fromKeys(ctx, plan, { publicKey: kg.publicKey(sk), relinearizationKey: sk as never, galoisKeys: new Map() })).toThrow(TypeError);
    expect(typeof typeChecks).toBe('function');
  });
});
