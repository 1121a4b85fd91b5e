/**
 * Encrypted average pooling + per-feature affine + fusion layer (CryptoFace reference §5.8–5.9, §2.4): window sums
 * (rotate-and-add, no level), the gather map (one level: the 1/window² of the mean, HerPNPool's a2 and the
 * per-patch BatchNorm1d scale are its diagonal values), doubling and shifted replication (rotate-and-add), and the
 * fusion map (one level; the BatchNorm1d shifts and the fusion bias are its bias). See fusionMap.ts for the slot
 * arrangement. Output: y = Σ_p A_p·(scale_p ⊙ pool(x_p) + shift_p) + bias in slots 0 … D − 1.
 */
import type { Encoder } from '../../ckks/scheme/encoder.js';
import type { Evaluator } from '../../ckks/scheme/evaluator.js';
import type { Ciphertext } from '../../ckks/scheme/plaintext.js';
import { linear, type Matrix } from '../linear.js';
import { EncryptedLinearMap, RotateAddChain, mergeKeyLevels } from './encryptedLinearMap.js';
import { fusionArrangement, fusionMap, gatherMap, replicationSteps, windowSumSteps, type FusionArrangement } from './fusionMap.js';
import type { PackedLayout } from './packedLayout.js';
import type { PlaintextStore } from './plaintextStore.js';
import { releaseCiphertexts } from '../../ckks/circuits/temporaries.js';

/** The float64 parameters of pooling → affine → fusion, per patch. */
export interface FusionWeights {
  /** Per patch: multiplier of each pooled feature (PyTorch flatten order c·o² + row·o + col). */
  readonly scale: readonly Float64Array[];
  /** Per patch: added to each pooled feature after scaling. */
  readonly shift: readonly Float64Array[];
  /** Per patch: rows × features fusion block. */
  readonly matrices: readonly Matrix[];
  /** Added once to the fused output (e.g. L·b'/L). */
  readonly bias: Float64Array;
}

export class EncryptedPoolingFusion {
  readonly arrangement: FusionArrangement;
  readonly windowSums: RotateAddChain;
  readonly gather: EncryptedLinearMap;
  readonly replication: RotateAddChain;
  readonly fusion: EncryptedLinearMap;

  /**
   * `level`, `inputScale`: of the pooled layer's input (the HerPN-pool output); `middleScale`: the gather's output
   * scale; `outputScale`: the fused output's. Uses two levels.
   */
  constructor(name: string, layout: PackedLayout, outSize: number, weights: FusionWeights, level: number, inputScale: number, middleScale: number, outputScale: number, hoisting: 'single' | 'double' = 'double') {
    const rows = weights.matrices[0]?.rows ?? 0;
    const a = fusionArrangement(layout, outSize, rows);
    this.arrangement = a;
    const window = a.window;
    this.windowSums = new RotateAddChain(`${name}.windows`, windowSumSteps(layout, window), layout.slots);
    const gatherScale = weights.scale.map((s) => s.map((v) => v / (window * window)));
    this.gather = new EncryptedLinearMap(`${name}.gather`, () => gatherMap(layout, a, gatherScale), { level, inputScales: new Array<number>(layout.ciphertexts).fill(inputScale), outputScale: middleScale, hoisting });
    this.replication = new RotateAddChain(`${name}.replicate`, replicationSteps(a), layout.slots);
    const bias = Float64Array.from(weights.bias, (b, j) => b + weights.matrices.reduce((acc, m, p) => acc + linear(m, weights.shift[p]!)[j]!, 0));
    this.fusion = new EncryptedLinearMap(`${name}.fusion`, () => fusionMap(a, weights.matrices, bias), { level: level - 1, inputScales: [middleScale], outputScale, hoisting });
  }

  rotationSteps(): number[] {
    const all = [this.windowSums, this.gather, this.replication, this.fusion].flatMap((x) => x.rotationSteps());
    return [...new Set(all)].sort((a, b) => a - b);
  }

  /** The highest level each rotation step is used at. */
  rotationKeyLevels(): Map<number, number> {
    return mergeKeyLevels([
      this.windowSums.rotationKeyLevels(this.gather.level),
      this.gather.rotationKeyLevels(),
      this.replication.rotationKeyLevels(this.fusion.level),
      this.fusion.rotationKeyLevels(),
    ]);
  }

  /** Key switches: [pooling (window sums + gather), fusion (replication + fusion map)]. */
  get keySwitches(): { pooling: number; fusion: number } {
    return { pooling: this.windowSums.keySwitches + this.gather.keySwitches, fusion: this.replication.keySwitches + this.fusion.keySwitches };
  }

  prepare(encoder: Encoder, store: PlaintextStore): void {
    this.gather.prepare(encoder, store);
    this.fusion.prepare(encoder, store);
  }

  /**
   * Pooled HerPN output (all ciphertexts of the layout) → the fused vector in slots 0 … D − 1 (one ciphertext).
   * `timed(stage, run)` wraps each of the four stages ('pool.windows', 'pool.gather', 'fusion.replicate',
   * 'fusion.bsgs'), for a per-layer profile. Intermediates go back to the pool's recycler; `xs` never does.
   */
  evaluate(evaluator: Evaluator, encoder: Encoder, xs: readonly Ciphertext[], store?: PlaintextStore,
    timed: <T>(stage: string, run: () => T) => T = (_stage, run) => run()): Ciphertext {
    const sums = timed('pool.windows', () => xs.map((x) => this.windowSums.evaluate(evaluator, x)));
    const [g] = timed('pool.gather', () => this.gather.evaluate(evaluator, encoder, sums, store));
    releaseCiphertexts(sums, [...xs, g]);
    const z = timed('fusion.replicate', () => this.replication.evaluate(evaluator, g!));
    releaseCiphertexts([g], [z]);
    const y = timed('fusion.bsgs', () => this.fusion.evaluate(evaluator, encoder, [z], store)[0]!);
    releaseCiphertexts([z], [...xs, y]);
    return y;
  }
}
