/**
 * Handing a circuit's temporaries back to the thread pool's recycler.
 *
 * With a thread pool every polynomial lives in a `SharedArrayBuffer` (parallel/recycler.ts). A fresh one costs page
 * faults and zeroing on first touch (≈ 2 ms per MB measured on the CI-sized VM), and the ordinary garbage collector
 * does not reuse shared memory the way the C allocator reuses the buffers of the one-thread path. A polynomial
 * evaluation of degree 7 at N = 2^15 makes ≈ 60 intermediate ciphertexts (powers, terms, partial sums) that nobody
 * sees after it returns; `TemporaryTracker` records every ciphertext its evaluator returns during one circuit
 * evaluation and, at the end, releases the polynomials of all of them except those of the inputs and the result,
 * so the next evaluation reuses the same memory. Without a pool `releasePoly` does nothing and nothing changes.
 * Results are unaffected: a released buffer is only ever reused zeroed, by a later allocation.
 */
import type { Constant, MulConstantOptions } from '../scheme/arithmetic.js';
import type { CkksContext } from '../scheme/context.js';
import type { CircuitEvaluator } from '../scheme/evaluatorInterface.js';
import type { Ciphertext, ExtendedCiphertext, HalfExtendedCiphertext, Plaintext } from '../scheme/plaintext.js';
import { releasePoly, type RnsPoly } from '../ring/rnsPoly.js';

/**
 * Hands the polynomials of `dead` ciphertexts (plain, extended or half-extended) to the recycler, each once, except those that are
 * also polynomials of a ciphertext in `keep` (an operation may return one of its inputs, e.g. a rotate-and-add chain
 * with no step). The caller must own every dead ciphertext: nothing may use them afterwards.
 */
export function releaseCiphertexts(dead: Iterable<Ciphertext | ExtendedCiphertext | HalfExtendedCiphertext | undefined>, keep: Iterable<Ciphertext | undefined> = []): void {
  const kept = new Set<RnsPoly>();
  for (const ct of keep) if (ct !== undefined) for (const p of ct.parts) kept.add(p);
  for (const ct of dead) {
    if (ct === undefined) continue;
    for (const p of 'parts' in ct ? ct.parts : [ct.c0, ct.c1]) {
      if (kept.has(p)) continue;
      kept.add(p); // released once
      releasePoly(p);
    }
  }
}

/** A `CircuitEvaluator` that forwards every call and remembers the ciphertexts the calls return. */
export class TemporaryTracker implements CircuitEvaluator {
  private made: Ciphertext[] = [];

  constructor(private readonly inner: CircuitEvaluator) {}

  get context(): CkksContext {
    return this.inner.context;
  }

  private note(ct: Ciphertext): Ciphertext {
    this.made.push(ct);
    return ct;
  }

  /**
   * Releases the polynomials of every ciphertext returned since construction (or the last call) that are not
   * polynomials of a ciphertext in `keep` (the circuit's inputs and result). The released ciphertexts must not be
   * used afterwards; only the circuit that owns this tracker may call it.
   */
  release(keep: readonly Ciphertext[]): void {
    releaseCiphertexts(this.made, keep);
    this.made = [];
  }

  add(a: Ciphertext, b: Ciphertext | Plaintext, out?: Ciphertext): Ciphertext {
    return this.note(this.inner.add(a, b, out));
  }

  sub(a: Ciphertext, b: Ciphertext | Plaintext, out?: Ciphertext): Ciphertext {
    return this.note(this.inner.sub(a, b, out));
  }

  addConstant(a: Ciphertext, c: Constant, out?: Ciphertext): Ciphertext {
    return this.note(this.inner.addConstant(a, c, out));
  }

  mulConstant(a: Ciphertext, c: Constant, options?: MulConstantOptions, out?: Ciphertext): Ciphertext {
    return this.note(this.inner.mulConstant(a, c, options, out));
  }

  mulPlain(a: Ciphertext, pt: Plaintext, out?: Ciphertext): Ciphertext {
    return this.note(this.inner.mulPlain(a, pt, out));
  }

  mulNoRelin(a: Ciphertext, b: Ciphertext, out?: Ciphertext): Ciphertext {
    return this.note(this.inner.mulNoRelin(a, b, out));
  }

  rescale(a: Ciphertext, out?: Ciphertext): Ciphertext {
    return this.note(this.inner.rescale(a, out));
  }

  dropLevels(a: Ciphertext, count: number, out?: Ciphertext): Ciphertext {
    return this.note(this.inner.dropLevels(a, count, out));
  }

  relinearizeRescale(a: Ciphertext, out?: Ciphertext): Ciphertext {
    return this.note(this.inner.relinearizeRescale(a, out));
  }

  rotate(a: Ciphertext, steps: number, out?: Ciphertext): Ciphertext {
    return this.note(this.inner.rotate(a, steps, out));
  }

  rotateHoisted(a: Ciphertext, steps: readonly number[]): Map<number, Ciphertext> {
    const out = this.inner.rotateHoisted(a, steps);
    for (const ct of out.values()) this.note(ct);
    return out;
  }

  rotateHoistedExtended(a: Ciphertext, steps: readonly number[]): Map<number, ExtendedCiphertext> {
    return this.inner.rotateHoistedExtended(a, steps);
  }

  rotateHoistedHalfExtended(a: Ciphertext, steps: readonly number[]): Map<number, HalfExtendedCiphertext> {
    return this.inner.rotateHoistedHalfExtended(a, steps);
  }

  rotateAccumulateExtended(x: ExtendedCiphertext, steps: number, acc: ExtendedCiphertext): void {
    this.inner.rotateAccumulateExtended(x, steps, acc);
  }

  modDownExtended(x: ExtendedCiphertext, out?: Ciphertext): Ciphertext {
    return this.note(this.inner.modDownExtended(x, out));
  }

  rotateSum(terms: readonly { ciphertext: Ciphertext | HalfExtendedCiphertext; steps: number }[], out?: Ciphertext): Ciphertext {
    return this.note(this.inner.rotateSum(terms, out));
  }

  rotateSumRescale(terms: readonly { ciphertext: Ciphertext | HalfExtendedCiphertext; steps: number }[], out?: Ciphertext): Ciphertext {
    return this.note(this.inner.rotateSumRescale(terms, out));
  }

  rotateSumExtended(terms: readonly { ciphertext: ExtendedCiphertext; steps: number }[]): ExtendedCiphertext {
    return this.inner.rotateSumExtended(terms);
  }

  conjugate(a: Ciphertext, out?: Ciphertext): Ciphertext {
    return this.note(this.inner.conjugate(a, out));
  }

  hasRotationKey(steps: number): boolean {
    return this.inner.hasRotationKey(steps);
  }
}
