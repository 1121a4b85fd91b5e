/**
 * The rotate-and-add chain x ← x + rot(x, s) for each step s in order: sums over slot windows (SubSum in
 * bootstrapping, pooling windows, a map's fold) and replication. Each rotation uses exactly the key of its step
 * (`rotateHoisted` never composes), so a key report lists exactly what is used. Every intermediate goes back to the
 * thread pool's recycler as soon as the next sum exists (temporaries.ts); `x` itself never does. With no step the
 * result is `x`.
 */
import type { CircuitEvaluator } from '../scheme/evaluatorInterface.js';
import type { Ciphertext } from '../scheme/plaintext.js';
import { releaseCiphertexts } from './temporaries.js';

export function rotateAddChain(evaluator: CircuitEvaluator, x: Ciphertext, steps: readonly number[]): Ciphertext {
  let acc = x;
  for (const s of steps) {
    const rotated = evaluator.rotateHoisted(acc, [s]).get(s)!;
    const next = evaluator.add(acc, rotated);
    releaseCiphertexts([acc, rotated], [x, next]);
    acc = next;
  }
  return acc;
}
