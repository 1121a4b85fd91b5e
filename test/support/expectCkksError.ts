// Asserts that a call throws a CkksError with the given code — and fails when it does not throw at all
// (a try/catch that only checks the code when something was thrown lets a silent wrong result pass).
import { expect } from 'vitest';
import { CkksError, type CkksErrorCode } from '../../src/ckks/errors.js';

export function expectCkksError(fn: () => unknown, code: CkksErrorCode): void {
  let thrown: unknown;
  let threw = false;
  try {
    fn();
  } catch (e) {
    threw = true;
    thrown = e;
  }
  expect(threw, `expected a CkksError ${code}, but nothing was thrown`).toBe(true);
  expect(thrown).toBeInstanceOf(CkksError);
  expect((thrown as CkksError).code).toBe(code);
}
