/**
 * The metadata checks every homomorphic operation makes before touching data: same parameter set, same
 * level, same scale (exactly — scales are tracked, never silently reconciled), same slot count.
 */
import { CkksError } from '../errors.js';
import type { CkksContext } from './context.js';
import type { Ciphertext, Plaintext } from './plaintext.js';

type Operand = Ciphertext | Plaintext;

export function checkContext(ctx: CkksContext, x: Operand, what: string): void {
  ctx.assertSameParameters(x.context, what);
}

export function checkSameLevel(a: Operand, b: Operand, what: string): void {
  if (a.level !== b.level) {
    throw new CkksError('LEVEL_MISMATCH', `${what}: operands are at levels ${a.level} and ${b.level}; drop the higher one first (dropLevels)`);
  }
}

export function checkSameScale(a: Operand, b: Operand, what: string): void {
  if (a.scale !== b.scale) {
    throw new CkksError('SCALE_MISMATCH', `${what}: operand scales differ (2^${Math.log2(a.scale).toFixed(6)} vs 2^${Math.log2(b.scale).toFixed(6)}); encode at the other's scale or use setScale`);
  }
}

export function checkSameSlots(a: Operand, b: Operand, what: string): void {
  if (a.slots !== b.slots) {
    throw new CkksError('INCOMPATIBLE_PARAMETERS', `${what}: operands pack ${a.slots} and ${b.slots} slots`);
  }
}

/** Throws DEPTH_EXHAUSTED when a ciphertext at level 0 would need to be rescaled. */
export function checkCanRescale(a: Operand, what: string): void {
  if (a.level < 1) throw new CkksError('DEPTH_EXHAUSTED', `${what}: the operand is at level 0, no prime is left to rescale by (bootstrap first)`);
}
