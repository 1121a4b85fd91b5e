/**
 * Encoded weights with a memory budget. A plaintext diagonal at N = 2^16 and level ℓ takes (ℓ + 1)·512 KiB (plus
 * one limb per special prime when products are formed in the extended basis), so a whole network's diagonals do not
 * fit a laptop at once: the store keeps encoded polynomials until its byte budget is reached and the layers encode
 * the rest on the fly (and drop them after use). Counts what it holds and what was encoded late.
 */
import type { RnsPoly } from '../../ckks/ring/rnsPoly.js';

export class PlaintextStore {
  private readonly entries = new Map<string, RnsPoly>();
  private held = 0;
  /** Encodings done during evaluation because the budget was full (or the weights were not prepared). */
  onTheFly = 0;
  /** Milliseconds spent encoding on the fly. */
  onTheFlyMs = 0;

  /** `budgetBytes`: how much encoded data to keep (Infinity: everything). */
  constructor(readonly budgetBytes = Infinity) {
    if (!(budgetBytes >= 0)) throw new RangeError('PlaintextStore: the budget must be ≥ 0 bytes');
  }

  get(key: string): RnsPoly | undefined {
    return this.entries.get(key);
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** Keeps `poly` if it fits the budget; returns whether it was kept. */
  offer(key: string, poly: RnsPoly): boolean {
    if (this.entries.has(key)) return true;
    const bytes = poly.data.byteLength;
    if (this.held + bytes > this.budgetBytes) return false;
    this.entries.set(key, poly);
    this.held += bytes;
    return true;
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
