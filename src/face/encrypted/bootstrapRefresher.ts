/**
 * The real refresh of the encrypted CryptoFaceNet: CKKS bootstrapping (src/ckks/circuits/bootstrapping) behind the
 * network's `Refresher` interface (CryptoFace reference §5.10: one bootstrap before the last block, with the input
 * divided by B before and multiplied by B after).
 *
 * Bound B. Bootstrapping's precision is stated for messages |m| ≤ 1 at the scale q_0/2^logMessageRatio (then every
 * coefficient of t/q_0 is an integer plus at most 2^-logMessageRatio, where EvalMod's sine is accurate). Block 3's
 * output is divided by B for free: the ciphertext holding m at scale Δ is the same polynomial as m/B at scale Δ·B,
 * so the refresher relabels its scale (equivalent to folding 1/B into block 3's last map, without touching it) and
 * bootstraps m/B; the bootstrap's output at scale S·B holds m/B and is relabelled to S, i.e. m — B folded back into
 * the declared scale, no level, no noise. An input beyond the bound is NOT detected here (the server cannot see it;
 * the key holder checks its own face before encrypting it, `FaceClient.inspectPatches`): for
 * |m/B| = r > 1 the coefficient offsets δ grow to r·2^-8, EvalMod's error grows like (2πδ)²/6 relative (≈ 1e-4 at
 * r = 1, 4e-4 at r = 2, 2.4e-2 at r = 16 … the sine's first-order term no longer approximates δ) and past
 * |δ| ≈ 1/4 the value wraps around entirely. So B must hold with margin for every input the model sees:
 * docs/encrypted-network.md gives the measured maxima and the margin of CRYPTOFACE_REFRESH_BOUND.
 *
 * Sparse slots. The network's ciphertexts pack N/2 slots; at the refresh point each one is periodic with period
 * `period` (the layout's), i.e. it is a polynomial in Y = X^{N/2·period'} plus noise for any period' that `period`
 * divides: a valid sparse ciphertext of n = bootstrapper slots. It is bootstrapped on n slots (SubSum removes the
 * other coefficients' noise and the integer parts there) and relabelled back to N/2 slots, where its slots repeat.
 */
import { CkksError } from '../../ckks/errors.js';
import type { Bootstrapper, BootstrapPhase } from '../../ckks/circuits/bootstrapping/bootstrapper.js';
import type { Evaluator } from '../../ckks/scheme/evaluator.js';
import { Ciphertext } from '../../ckks/scheme/plaintext.js';
import type { Refresher } from './encryptedCfnet.js';

export interface BootstrapRefresherOptions {
  /** Level the network was compiled to receive (≤ the bootstrap's output level; extra levels are dropped). */
  readonly level: number;
  /** Scale the network was compiled to receive (its `refreshScale`). */
  readonly scale: number;
  /** B: the inputs' values are assumed to satisfy |m| ≤ B (see the file comment). */
  readonly bound: number;
  /** Period of the refreshed ciphertexts' slot vectors (the layout at the refresh point); must divide the bootstrap's slots. */
  readonly period: number;
}

export class BootstrapRefresher implements Refresher {
  readonly level: number;
  readonly scale: number;
  readonly bound: number;
  readonly period: number;
  /** Ciphertexts bootstrapped so far, and the milliseconds spent. */
  bootstraps = 0;
  milliseconds = 0;

  constructor(private readonly evaluator: Evaluator, readonly bootstrapper: Bootstrapper, options: BootstrapRefresherOptions) {
    const p = bootstrapper.params;
    evaluator.context.assertSameParameters(p.context, 'BootstrapRefresher');
    const { level, scale, bound, period } = options;
    if (!Number.isInteger(level) || level < 0 || level > p.levels.output) {
      throw new CkksError('DEPTH_EXHAUSTED', `BootstrapRefresher: the bootstrap returns level ${p.levels.output}, the network wants ${level}`);
    }
    if (!(Number.isFinite(scale) && scale >= 1)) throw new RangeError(`BootstrapRefresher: scale must be a finite number ≥ 1, got ${scale}`);
    if (!(Number.isFinite(bound) && bound > 0)) throw new RangeError(`BootstrapRefresher: bound must be a positive finite number, got ${bound}`);
    if (!Number.isInteger(period) || period < 1 || (period & (period - 1)) !== 0 || p.slots % period !== 0) {
      throw new CkksError('INCOMPATIBLE_PARAMETERS', `BootstrapRefresher: slot period ${period} does not divide the bootstrap's ${p.slots} slots`);
    }
    const outScale = scale * bound;
    if (!(outScale <= p.evalModOutputScale)) {
      throw new CkksError('SCALE_MISMATCH', `BootstrapRefresher: output scale ×B = 2^${Math.log2(outScale).toFixed(2)} exceeds EvalMod's output scale 2^${Math.log2(p.evalModOutputScale).toFixed(2)}`);
    }
    this.level = level;
    this.scale = scale;
    this.bound = bound;
    this.period = period;
  }

  /**
   * Bootstraps every ciphertext: each must be periodic with `period` (the network's layout says so). `onPhase` sees
   * each bootstrap phase as it starts (a server holding one stage's keys at a time swaps them there); with
   * `everyStage`, also the start of every further CoeffsToSlots / SlotsToCoeffs stage (the bootstrapper reports the
   * phase again after each stage).
   */
  refresh(cts: readonly Ciphertext[], onPhase?: (phase: BootstrapPhase) => void, everyStage = false): Ciphertext[] {
    const p = this.bootstrapper.params;
    const ev = this.evaluator;
    return cts.map((ct) => {
      if (ct.slots % p.slots !== 0) throw new CkksError('INCOMPATIBLE_PARAMETERS', `BootstrapRefresher: ${ct.slots} slots is not a multiple of the bootstrap's ${p.slots}`);
      const t0 = performance.now();
      const atZero = ct.level > 0 ? ev.dropLevels(ct, ct.level) : ct;
      // m at scale Δ ≡ m/B at scale Δ·B; on p.slots slots (periodic input: a valid sparse ciphertext)
      const sparse = new Ciphertext(atZero.context, atZero.parts, atZero.scale * this.bound, p.slots);
      let last: BootstrapPhase | undefined;
      const progress = onPhase === undefined ? undefined : (phase: BootstrapPhase) => {
        if (phase !== last || everyStage) onPhase(phase);
        last = phase;
      };
      const fresh = this.bootstrapper.bootstrap(sparse, { outputScale: this.scale * this.bound, ...(progress === undefined ? {} : { progress }) });
      const lowered = fresh.level > this.level ? ev.dropLevels(fresh, fresh.level - this.level) : fresh;
      this.bootstraps++;
      this.milliseconds += performance.now() - t0;
      // m/B at scale S·B ≡ m at scale S, on the network's slot count (the sparse slots repeat)
      return new Ciphertext(lowered.context, lowered.parts, this.scale, ct.slots);
    });
  }
}
