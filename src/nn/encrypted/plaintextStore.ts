/**
 * Encoded weights with a memory budget. A plaintext diagonal at N = 2^16 and level ℓ takes (ℓ + 1)·512 KiB (plus
 * one limb per special prime when products are formed in the extended basis), so a whole network's diagonals do not
 * fit a laptop at once: the store keeps encoded polynomials until its byte budget is reached and the layers encode
 * the rest on the fly (and drop them after use). Counts what it holds and what was encoded late.
 *
 * An encoded diagonal carries no record of the level, scale or weights it was encoded for, so an entry belongs to
 * the layer that offered it (`owner`): a second layer asking for the same key (two layers given the same name, or a
 * network rebuilt around an old store) gets INCOMPATIBLE_PARAMETERS instead of another layer's weights.
 */
import { CkksError } from '../../ckks/errors.js';
import type { RnsPoly } from '../../ckks/ring/rnsPoly.js';

interface Entry {
  readonly poly: RnsPoly;
  readonly owner: object | undefined;
}

export class PlaintextStore {
  private readonly entries = new Map<string, Entry>();
  private held = 0;
  /** Encodings done during evaluation because the budget was full (or the weights were not prepared). */
  onTheFly = 0;
  /** Milliseconds spent encoding on the fly. */
  onTheFlyMs = 0;

  /** `budgetBytes`: how much encoded data to keep (Infinity: everything). */
  constructor(readonly budgetBytes = Infinity) {
    if (!(budgetBytes >= 0)) throw new RangeError('PlaintextStore: the budget must be ≥ 0 bytes');
  }

  /** The entry under `key`; INCOMPATIBLE_PARAMETERS when it was offered by another `owner`. */
  get(key: string, owner?: object): RnsPoly | undefined {
    return this.entry(key, owner)?.poly;
  }

  has(key: string, owner?: object): boolean {
    return this.entry(key, owner) !== undefined;
  }

  /**
   * Keeps `poly` under `key` for `owner` if it fits the budget; returns whether the store holds that key for this
   * owner afterwards (INCOMPATIBLE_PARAMETERS when another owner holds it).
   */
  offer(key: string, poly: RnsPoly, owner?: object): boolean {
    if (this.entry(key, owner) !== undefined) return true;
    const bytes = poly.data.byteLength;
    if (this.held + bytes > this.budgetBytes) return false;
    this.entries.set(key, { poly, owner });
    this.held += bytes;
    return true;
  }

  private entry(key: string, owner: object | undefined): Entry | undefined {
    const e = this.entries.get(key);
    if (e !== undefined && e.owner !== owner) {
      throw new CkksError('INCOMPATIBLE_PARAMETERS', `PlaintextStore: "${key}" holds another layer's encoding (two layers with one name, or a store reused for a new network: use a fresh store or clear() it)`);
    }
    return e;
  }

  /** True when `bytes` more would still fit. */
  fits(bytes: number): boolean {
    return this.held + bytes <= this.budgetBytes;
  }

  /** Bytes of encoded data held. */
  get bytes(): number {
    return this.held;
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
    this.held = 0;
  }
}
