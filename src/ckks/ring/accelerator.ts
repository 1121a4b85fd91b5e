/**
 * The ring layer's one hook for multi-threading (`src/ckks/parallel`): a context that owns a thread pool attaches
 * a `RingAccelerator` to its NTT tables, which every basis derived from them (levels, Q ∪ P, digits) shares. Then
 *  - every `RnsPoly` allocated over such a basis lives in memory the pool's workers can read and write
 *    (`SharedArrayBuffer`), and
 *  - `RnsPoly.toEvaluation` / `toCoefficient` may hand the per-limb transforms to the pool.
 * Nothing else in the ring layer knows about threads; without an accelerator (the default) nothing changes.
 */
import type { NttTable } from './ntt.js';
import type { RnsBasis } from './rnsBasis.js';
import type { RnsPoly } from './rnsPoly.js';

export interface RingAccelerator {
  /** A zeroed array of `words` residues in shared memory. */
  allocate(words: number): BigUint64Array;
  /**
   * Takes back the memory of an array `allocate` returned, for a later allocation of the same size; the caller
   * guarantees nothing reads or writes it afterwards (`releasePoly`). Optional; may ignore the array.
   */
  release?(data: BigUint64Array): void;
  /**
   * In place: the forward (or inverse) NTT of every limb of `poly`, split across threads; returns false (having
   * done nothing) when the job is too small to split or the polynomial is not in shared memory.
   */
  transform(poly: RnsPoly, inverse: boolean): boolean;
}

const accelerators = new WeakMap<NttTable, RingAccelerator>();

/** Attaches (or with `undefined` detaches) an accelerator to every table of `basis`. */
export function setAccelerator(basis: RnsBasis, accelerator: RingAccelerator | undefined): void {
  for (const t of basis.tables) {
    if (accelerator === undefined) accelerators.delete(t);
    else accelerators.set(t, accelerator);
  }
}

/** The accelerator attached to the basis's tables, if any. */
export function acceleratorOf(basis: RnsBasis): RingAccelerator | undefined {
  const first = basis.tables[0];
  return first === undefined ? undefined : accelerators.get(first);
}

/** True when the array's memory is a `SharedArrayBuffer` (false where the global does not exist). */
export function isShared(a: BigUint64Array): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && a.buffer instanceof SharedArrayBuffer;
}
