/**
 * The encrypted CryptoFaceNet forward pass (CryptoFace reference §5, with all patches packed in one set of
 * ciphertexts): packed input → stem conv → five HerPNConv blocks → HerPNPool → pooling, per-patch BatchNorm1d and
 * fusion → the 256-d fused feature y (before normalisation), the twin of `embedInput` (../model.ts).
 *
 * Levels (one per HerPN, one per convolution — the second convolution of a block and its shortcut share one map and
 * one level — one for the gather, one for the fusion): stem 1, each block 4, pool HerPN 1, gather 1, fusion 1. A
 * refresh (the bootstrapper, or in tests an oracle) runs before block `refreshBefore` (4, where the reference
 * bootstraps): it is a parameter of `forward`, an interface that no other type here knows the implementation of.
 *
 * Scales: a HerPN at level ℓ receives s = √(Δ·q_ℓ) (its output is then s²/q_ℓ = Δ); every linear map encodes its
 * diagonals relative to its inputs' actual scales and produces the scale its consumer wants, so the residual sum
 * (conv2 + shortcut, one map) needs no scale matching at all.
 */
import { CkksError } from '../../ckks/errors.js';
import type { CkksContext } from '../../ckks/scheme/context.js';
import type { Encoder } from '../../ckks/scheme/encoder.js';
import type { Evaluator } from '../../ckks/scheme/evaluator.js';
import type { Ciphertext } from '../../ckks/scheme/plaintext.js';
import { releaseCiphertexts } from '../../ckks/circuits/temporaries.js';
import { bnToAffine } from '../../nn/batchnorm.js';
import type { Tensor3 } from '../../nn/tensor.js';
import { addChannelScale, addConvolution, convolutionMap, mapFrame, mapInputCount, type PackedInput, type PatchConv } from '../../nn/encrypted/convolutionMap.js';
import { EncryptedHerpn } from '../../nn/encrypted/encryptedHerpn.js';
import { EncryptedLinearMap, mergeKeyLevels, packPairs } from '../../nn/encrypted/encryptedLinearMap.js';
import { EncryptedPoolingFusion } from '../../nn/encrypted/encryptedFusion.js';
import { deriveLayout, packTensors, packedLayout, type PackedLayout } from '../../nn/encrypted/packedLayout.js';
import type { PlaintextStore } from '../../nn/encrypted/plaintextStore.js';
import { PATCH_SIZE } from '../architecture.js';
import type { CfnetWeights } from '../weights.js';

/** What the encrypted network needs from the weights (the real CFNet4 or a reduced test network). */
export type NetworkWeights = Pick<CfnetWeights, 'grid' | 'patches' | 'fcBias'>;

/**
 * Brings ciphertexts back to a higher level: the bootstrapper in the real pipeline. Its output level and scale are
 * fixed in advance, because the layers after it are prepared for them.
 */
export interface Refresher {
  readonly level: number;
  readonly scale: number;
  refresh(cts: readonly Ciphertext[]): Ciphertext[];
}

export interface CompileOptions {
  /** Slots per ciphertext (N/2). */
  readonly slots: number;
  /** Patch side (default 32). */
  readonly patchSize?: number;
  /** Level and scale of the encrypted input. */
  readonly inputLevel: number;
  readonly inputScale?: number;
  /** Nominal scale Δ (default: the parameters' default scale). */
  readonly scale?: number;
  /** The refresh runs before this block (default 4). */
  readonly refreshBefore?: number;
  /** Level the refresh returns ciphertexts at, and their scale (default √(Δ·q_level), what HerPN wants). */
  readonly refreshLevel: number;
  readonly refreshScale?: number;
  /**
   * 'auto' (default): double hoisting for maps at level ≥ 10, single below — at low levels the P limbs every diagonal
   * carries in the extended basis cost more than the ModDown each baby rotation saves (measured at N = 2^16, k_P = 6).
   */
  readonly hoisting?: 'single' | 'double' | 'auto';
  /** Keep every map's float64 diagonals in memory (default false: rebuilt when needed). */
  readonly keepMaps?: boolean;
  /**
   * Pack layouts of two ciphertexts (stage A) as one complex ciphertext x_0 + i·x_1 into the maps that read them, and
   * let the stem accumulate its two outputs as y_0 + i·y_1 (default true): half the diagonals and babies there, one
   * conjugation per accumulator.
   */
  readonly complexPacking?: boolean;
}

/** One row of the per-layer report. */
export interface LayerReport {
  readonly name: string;
  readonly levelIn: number;
  readonly levelOut: number;
  readonly keySwitches: number;
  readonly diagonals: number;
  readonly rotationSteps: number;
  readonly plaintextBytes: number;
}

interface CompiledBlock {
  readonly herpn1: EncryptedHerpn;
  readonly conv1: EncryptedLinearMap;
  readonly herpn2: EncryptedHerpn;
  readonly conv2: EncryptedLinearMap;
  /** Whether conv1's input (u) and conv2's inputs (w, u) enter as complex pairs. */
  readonly pairU: boolean;
  readonly pairW: boolean;
  readonly out: PackedLayout;
  readonly refreshFirst: boolean;
}

/** The whole network, or the layers before / after the refresh (phase-wise key sets). */
export type NetworkPart = 'all' | 'beforeRefresh' | 'afterRefresh';

/** Optional parts of a forward pass. */
export interface ForwardOptions {
  /**
   * Called right after the refresh: the evaluator for the layers after it (default: the one passed to forward).
   * A server that holds only one phase's keys at a time loads the next phase's keys here.
   */
  readonly evaluatorAfterRefresh?: () => Evaluator;
  /** Encoded weights (those not held are encoded on the fly). */
  readonly store?: PlaintextStore;
  readonly trace?: EncryptedTrace;
  /** Receives the milliseconds of every layer. */
  readonly profile?: (layer: string, ms: number) => void;
}

/**
 * Observes intermediate ciphertexts (tests decrypt them against the float64 trace of `patchForward`). They are valid
 * only during the call: with a thread pool the forward pass hands every dead intermediate back to the recycler, whose
 * next allocation overwrites it; clone one to keep it.
 */
export type EncryptedTrace = (name: string, layout: PackedLayout | undefined, cts: readonly Ciphertext[]) => void;

export class EncryptedCfnet {
  private constructor(
    readonly context: CkksContext,
    readonly inputLayout: PackedLayout,
    readonly inputLevel: number,
    readonly inputScale: number,
    readonly refreshLevel: number,
    readonly refreshScale: number,
    private readonly stem: EncryptedLinearMap,
    private readonly stemLayout: PackedLayout,
    private readonly blocks: readonly CompiledBlock[],
    private readonly poolHerpn: EncryptedHerpn,
    readonly fusion: EncryptedPoolingFusion,
  ) {}

  /** Prepares every layer (plans, scales, levels; diagonals are encoded later by `prepare`). */
  static compile(context: CkksContext, weights: NetworkWeights, options: CompileOptions): EncryptedCfnet {
    const Q = context.params.Q.map(Number);
    const delta = options.scale ?? context.params.defaultScale;
    const herpnScale = (level: number): number => Math.sqrt(delta * Q[level]!);
    const patches = weights.patches;
    const L = weights.grid * weights.grid;
    if (patches.length !== L) throw new RangeError(`compile: ${patches.length} patch networks for a ${weights.grid}×${weights.grid} grid`);
    const p0 = patches[0]!;
    const refreshBefore = options.refreshBefore ?? 4;
    const depthBefore = 1 + 4 * refreshBefore;
    const depthAfter = 4 * (p0.blocks.length - refreshBefore) + 3;
    if (options.inputLevel < depthBefore) throw new CkksError('DEPTH_EXHAUSTED', `compile: the layers before the refresh need ${depthBefore} levels, the input is at level ${options.inputLevel}`);
    if (options.refreshLevel < depthAfter || options.refreshLevel > context.maxLevel) throw new CkksError('DEPTH_EXHAUSTED', `compile: the layers after the refresh need ${depthAfter} levels, the refresh returns level ${options.refreshLevel}`);
    const mode = options.hoisting ?? 'auto';
    const hoistingAt = (level: number): 'single' | 'double' => (mode === 'auto' ? (level >= 10 ? 'double' : 'single') : mode);
    const keepMap = options.keepMaps ?? false;
    const inputScale = options.inputScale ?? delta;
    const refreshScale = options.refreshScale ?? herpnScale(options.refreshLevel);
    const input = packedLayout({ slots: options.slots, gridRows: weights.grid, gridCols: weights.grid, patchSize: options.patchSize ?? PATCH_SIZE, gap: 1, channels: p0.stem.inC });
    const lin = (name: string, build: () => ReturnType<typeof convolutionMap>, level: number, inputScales: number[], outputScale: number) =>
      new EncryptedLinearMap(name, build, { level, inputScales, outputScale, hoisting: hoistingAt(level), keepMap });
    const packing = options.complexPacking ?? true;
    const pairs = (l: PackedLayout): boolean => packing && l.ciphertexts % 2 === 0;
    const scalesOf = (inputs: readonly PackedInput[], scales: readonly number[]): number[] => inputs.flatMap((x, i) => new Array<number>(mapInputCount(x)).fill(scales[i]!));

    let level = options.inputLevel;
    const stemOut = deriveLayout(input, p0.stem.outC, 1);
    const stemConvs = patches.map((w): PatchConv => ({ weight: w.stem, stride: 1, padding: 1 }));
    const stemRealImag = pairs(stemOut) && !pairs(input);
    const stem = lin('stem', () => convolutionMap(input, stemOut, stemConvs, { realImag: stemRealImag }), level, new Array<number>(input.ciphertexts).fill(inputScale), herpnScale(level - 1));
    level -= 1;
    let scale = stem.outputScale;
    let layout = stemOut;
    const blocks: CompiledBlock[] = [];
    p0.blocks.forEach((b0, j) => {
      const refreshFirst = j === refreshBefore;
      if (refreshFirst) {
        level = options.refreshLevel;
        scale = refreshScale;
      }
      const name = `block${j}`;
      const inL = layout;
      const out = deriveLayout(inL, b0.outC, inL.gap * b0.stride);
      const herpn1 = new EncryptedHerpn(`${name}.herpn1`, inL, patches.map((w) => w.blocks[j]!.herpn1), level, scale, Q[level]!);
      const su = herpn1.outputScale;
      const uIn: PackedInput = { layout: inL, paired: pairs(inL) };
      const conv1s = patches.map((w): PatchConv => ({ weight: w.blocks[j]!.conv1, stride: b0.stride, padding: 1 }));
      const conv1 = lin(`${name}.conv1`, () => convolutionMap(inL, out, conv1s, { paired: uIn.paired ?? false }), level - 1, scalesOf([uIn], [su]), herpnScale(level - 2));
      const herpn2 = new EncryptedHerpn(`${name}.herpn2`, out, patches.map((w) => w.blocks[j]!.herpn2), level - 2, conv1.outputScale, Q[level - 2]!);
      const nextIsRefresh = j + 1 === refreshBefore;
      const outScale = nextIsRefresh ? delta : herpnScale(level - 4);
      const conv2s = patches.map((w): PatchConv => ({ weight: w.blocks[j]!.conv2, stride: 1, padding: 1 }));
      const wIn: PackedInput = { layout: out, paired: pairs(out) };
      const conv2 = lin(`${name}.conv2`, () => {
        const frame = mapFrame([wIn, uIn], out);
        addConvolution(frame, 0, out, out, conv2s);
        if (b0.shortcut === undefined) {
          addChannelScale(frame, 1, inL, patches.map((w) => ({ scale: w.blocks[j]!.herpn1.a2 })));
        } else {
          addConvolution(frame, 1, inL, out, patches.map((w) => {
            const sc = w.blocks[j]!.shortcut!;
            const bn = bnToAffine(sc.bn);
            return { weight: sc.conv, stride: b0.stride, padding: 0, inputScale: w.blocks[j]!.herpn1.a2, outputScale: bn.scale, bias: bn.shift };
          }));
        }
        return frame.builder.build();
      }, level - 3, scalesOf([wIn, uIn], [herpn2.outputScale, su]), outScale);
      blocks.push({ herpn1, conv1, herpn2, conv2, pairU: uIn.paired ?? false, pairW: wIn.paired ?? false, out, refreshFirst });
      level -= 4;
      scale = outScale;
      layout = out;
    });
    const poolHerpn = new EncryptedHerpn('pool.herpn', layout, patches.map((w) => w.pool), level, scale, Q[level]!);
    const fusionWeights = {
      scale: patches.map((w) => {
        const bn = bnToAffine(w.bn);
        return bn.scale.map((s, f) => s * w.pool.a2[Math.floor(f / 4)]!);
      }),
      shift: patches.map((w) => bnToAffine(w.bn).shift),
      matrices: patches.map((w) => w.fc),
      bias: weights.fcBias.map((b) => b * L),
    };
    const fusion = new EncryptedPoolingFusion('pool', layout, 2, fusionWeights, level - 1, poolHerpn.outputScale, delta, delta, hoistingAt(level - 1));
    return new EncryptedCfnet(context, input, options.inputLevel, inputScale, options.refreshLevel, refreshScale, stem, stemOut, blocks, poolHerpn, fusion);
  }

  /** Client side: the slot vectors of the packed input (one CHW tensor per patch). */
  packInput(patches: readonly Tensor3[]): Float64Array[] {
    return packTensors(this.inputLayout, patches);
  }

  /** Layout after the stem and after each block. */
  layouts(): { stem: PackedLayout; blocks: PackedLayout[] } {
    return { stem: this.stemLayout, blocks: this.blocks.map((b) => b.out) };
  }

  /**
   * Layout of the ciphertexts the refresh receives (the output of the block before it): its `period` is what a
   * sparse-slot bootstrap needs to know. Undefined when no block follows the refresh point.
   */
  refreshLayout(): PackedLayout | undefined {
    const j = this.refreshBefore;
    if (j === undefined) return undefined;
    return j === 0 ? this.stemLayout : this.blocks[j - 1]!.out;
  }

  /** The block the refresh runs before (its input is what gets bootstrapped), or undefined when no block follows it. */
  get refreshBefore(): number | undefined {
    const j = this.blocks.findIndex((b) => b.refreshFirst);
    return j < 0 ? undefined : j;
  }

  private allMaps(): EncryptedLinearMap[] {
    return [this.stem, ...this.blocks.flatMap((b) => [b.conv1, b.conv2]), this.fusion.gather, this.fusion.fusion];
  }

  /** Every Galois key the forward pass needs (rotation steps in [0, slots)): exactly these. */
  rotationSteps(): number[] {
    const steps = [...this.allMaps().flatMap((m) => m.rotationSteps()), ...this.fusion.rotationSteps()];
    return [...new Set(steps)].sort((a, b) => a - b);
  }

  /** Index of the first block after the refresh (blocks.length when none follows). */
  private refreshIndex(): number {
    const j = this.blocks.findIndex((b) => b.refreshFirst);
    return j < 0 ? this.blocks.length : j;
  }

  /** The maps of a part of the network: before the refresh (stem, blocks before it), after it (the rest, gather, fusion). */
  private mapsOf(part: NetworkPart): EncryptedLinearMap[] {
    const j = this.refreshIndex();
    const before = [this.stem, ...this.blocks.slice(0, j).flatMap((b) => [b.conv1, b.conv2])];
    const after = [...this.blocks.slice(j).flatMap((b) => [b.conv1, b.conv2]), this.fusion.gather, this.fusion.fusion];
    return part === 'beforeRefresh' ? before : part === 'afterRefresh' ? after : [...before, ...after];
  }

  /**
   * The highest level each rotation step is used at (in the whole network or one part): Galois keys restricted to
   * these levels (`levelledGaloisKey`) suffice, and take (level + 1 + k_P)/(L + 1 + k_P) of a full key's memory.
   */
  rotationKeyLevels(part: NetworkPart = 'all'): Map<number, number> {
    const maps = this.mapsOf(part).filter((m) => m !== this.fusion.gather && m !== this.fusion.fusion).map((m) => m.rotationKeyLevels());
    return mergeKeyLevels(part === 'beforeRefresh' ? maps : [...maps, this.fusion.rotationKeyLevels()]);
  }

  /** The highest level a conjugation happens at (maps taking real parts), or undefined when none does. */
  conjugationLevel(part: NetworkPart = 'all'): number | undefined {
    const levels = this.mapsOf(part).map((m) => m.conjugationLevel()).filter((l): l is number => l !== undefined);
    return levels.length === 0 ? undefined : Math.max(...levels);
  }

  /** The highest level a relinearisation happens at (the HerPNs), or −1 when the part has none. */
  relinearizationLevel(part: NetworkPart = 'all'): number {
    const j = this.refreshIndex();
    const blocks = part === 'beforeRefresh' ? this.blocks.slice(0, j) : part === 'afterRefresh' ? this.blocks.slice(j) : this.blocks;
    const pool = part === 'beforeRefresh' ? [] : [this.poolHerpn.level];
    return Math.max(-1, ...blocks.flatMap((b) => [b.herpn1.level, b.herpn2.level]), ...pool);
  }

  /**
   * Encodes weights into `store` (up to its budget) and the HerPN coefficients. Lowest levels first: an encoding
   * costs one FFT plus one NTT per limb and takes one limb-plane per limb, so low-level diagonals save the most
   * encoding time per byte held.
   */
  prepare(encoder: Encoder, store: PlaintextStore): void {
    for (const m of [...this.allMaps()].sort((a, b) => a.level - b.level)) m.prepare(encoder, store);
    for (const h of [...this.blocks.flatMap((b) => [b.herpn1, b.herpn2]), this.poolHerpn]) h.prepare(encoder);
  }

  /** Per layer: levels, key switches, diagonals, distinct rotation steps, bytes of encoded weights. */
  report(encoder: Encoder): LayerReport[] {
    const row = (name: string, levelIn: number, levelOut: number, keySwitches: number, diagonals: number, steps: number, bytes: number): LayerReport =>
      ({ name, levelIn, levelOut, keySwitches, diagonals, rotationSteps: steps, plaintextBytes: bytes });
    const map = (m: EncryptedLinearMap, name = m.name) => row(name, m.level, m.level - 1, m.keySwitches, m.diagonals, m.rotationSteps().length, m.plaintextBytes(encoder));
    const herpn = (h: EncryptedHerpn) => row(h.name, h.level, h.level - 1, h.keySwitches, 0, 0, h.plaintextBytes(encoder));
    const rows = [map(this.stem)];
    for (const b of this.blocks) rows.push(herpn(b.herpn1), map(b.conv1), herpn(b.herpn2), map(b.conv2, `${b.conv2.name}+shortcut`));
    const f = this.fusion;
    const g = f.gather;
    rows.push(herpn(this.poolHerpn));
    rows.push(row('pool.windows+gather', g.level, g.level - 1, f.windowSums.keySwitches + g.keySwitches, g.diagonals, new Set([...f.windowSums.rotationSteps(), ...g.rotationSteps()]).size, g.plaintextBytes(encoder)));
    rows.push(row('fusion (replicate+BSGS)', f.fusion.level, f.fusion.level - 1, f.replication.keySwitches + f.fusion.keySwitches, f.fusion.diagonals, new Set([...f.replication.rotationSteps(), ...f.fusion.rotationSteps()]).size, f.fusion.plaintextBytes(encoder)));
    return rows;
  }

  /** The encrypted forward pass: packed input ciphertexts → the fused feature in slots 0 … 255 (one ciphertext). */
  forward(evaluator: Evaluator, encoder: Encoder, input: readonly Ciphertext[], refresher: Refresher, options: ForwardOptions = {}): Ciphertext {
    if (refresher.level !== this.refreshLevel || refresher.scale !== this.refreshScale) {
      throw new CkksError('SCALE_MISMATCH', `forward: the network was compiled for a refresh to level ${this.refreshLevel} at scale 2^${Math.log2(this.refreshScale)}, the refresher gives level ${refresher.level} at 2^${Math.log2(refresher.scale)}`);
    }
    const { store, trace, profile } = options;
    const timed = <T>(name: string, f: () => T): T => {
      const t0 = performance.now();
      const out = f();
      profile?.(name, performance.now() - t0);
      return out;
    };
    // every layer output is handed back to the pool's recycler once no later layer reads it (never `input`)
    const dead = (cts: readonly (Ciphertext | undefined)[], live: readonly (Ciphertext | undefined)[]) => releaseCiphertexts(cts, [...input, ...live]);
    let ev = evaluator;
    let x = timed('stem', () => this.stem.evaluate(ev, encoder, input, store));
    trace?.('stem', this.stemLayout, x);
    this.blocks.forEach((b, j) => {
      if (b.refreshFirst) {
        const before = x;
        x = timed('refresh', () => refresher.refresh(before));
        dead(before, x);
        trace?.('refresh', undefined, x);
        if (options.evaluatorAfterRefresh !== undefined) ev = options.evaluatorAfterRefresh();
      }
      const u = timed(b.herpn1.name, () => b.herpn1.evaluate(ev, encoder, x));
      const uIn = b.pairU ? packPairs(ev, u) : u;
      const v = timed(b.conv1.name, () => b.conv1.evaluate(ev, encoder, uIn, store));
      const w = timed(b.herpn2.name, () => b.herpn2.evaluate(ev, encoder, v));
      dead(v, w);
      const wIn = b.pairW ? packPairs(ev, w) : w;
      const shortcut = uIn.map((c) => ev.dropLevels(c, 2));
      const next = timed(`${b.conv2.name}+shortcut`, () => b.conv2.evaluate(ev, encoder, [...wIn, ...shortcut], store));
      dead([...x, ...u, ...uIn, ...w, ...wIn, ...shortcut], next);
      x = next;
      trace?.(`block${j}`, b.out, x);
    });
    const h = timed(this.poolHerpn.name, () => this.poolHerpn.evaluate(ev, encoder, x));
    dead(x, h);
    const y = this.fusion.evaluate(ev, encoder, h, store, timed);
    dead(h, [y]);
    trace?.('fc', undefined, [y]);
    return y;
  }
}
