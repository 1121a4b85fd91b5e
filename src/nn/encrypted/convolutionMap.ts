/**
 * Multiplexed convolution as a packed linear map (the plaintext side of the encrypted conv2d, twin of
 * `conv2d` in ../conv2d.ts). In the multiplexed layout (packedLayout.ts) a kernel tap of a convolution with input
 * gap k_i and stride s reads, for output channel (u_o, a_o, b_o) and input channel (u_i, a_i, b_i), the slot at
 * a fixed offset (u_i − u_o)·blockSize + (k_i·dy + a_i − a_o)·rowStride + (k_i·dx + b_i − b_o) from the output slot
 * whatever the pixel: every (output channel, input channel, tap) is one generalised diagonal, the output layout
 * has gap s·k_i (striding never moves data, it widens the gap), zero padding is a zero in the diagonal, and the
 * per-patch weights, BatchNorm scales and HerPN a2 factors are just the diagonal's values at that patch's slots.
 * Several convolutions may add into one map (a residual block's second conv and its shortcut).
 */
import { convOutSize, type ConvWeight } from '../conv2d.js';
import { forEachEntry, packChannelConstants, patchCount, slotOf, type PackedLayout } from './packedLayout.js';
import { SlotMapBuilder, type SlotLinearMap } from './slotLinearMap.js';

/** One patch's convolution, with optional folded per-channel factors and bias. */
export interface PatchConv {
  readonly weight: ConvWeight;
  readonly stride: number;
  readonly padding: number;
  /** Multiplies input channel i (e.g. HerPN1's a2 on the shortcut path). */
  readonly inputScale?: Float64Array;
  /** Multiplies output channel o (e.g. a BatchNorm scale γ/√(σ²+ε)). */
  readonly outputScale?: Float64Array;
  /** Added to output channel o (e.g. a BatchNorm shift). */
  readonly bias?: Float64Array;
}

/** An identity path scaled per channel (the residual shortcut a2 ⊙ u of the identity blocks). */
export interface PatchScale {
  readonly scale: Float64Array;
}

function sameMosaic(a: PackedLayout, b: PackedLayout): boolean {
  return a.slots === b.slots && a.gridRows === b.gridRows && a.gridCols === b.gridCols && a.patchSize === b.patchSize && a.rowStride === b.rowStride && a.blockSize === b.blockSize;
}

/** Checks shapes and returns the output side. */
function checkConv(inL: PackedLayout, outL: PackedLayout, convs: readonly PatchConv[]): void {
  if (!sameMosaic(inL, outL)) throw new RangeError('convolution: input and output layouts must share the mosaic (slots, grid, patch size, strides)');
  if (convs.length !== patchCount(inL)) throw new RangeError(`convolution: ${convs.length} weights for ${patchCount(inL)} patches`);
  for (const c of convs) {
    const w = c.weight;
    if (w.inC !== inL.channels || w.outC !== outL.channels) throw new RangeError(`convolution: weight ${w.outC}×${w.inC}, layouts ${outL.channels}×${inL.channels}`);
    if (convOutSize(inL.side, w.k, c.stride, c.padding) !== outL.side) throw new RangeError(`convolution: ${inL.side}→${outL.side} is not a ${w.k}×${w.k}/${c.stride} pad ${c.padding} convolution`);
    if (c.inputScale && c.inputScale.length !== w.inC) throw new RangeError('convolution: inputScale length');
    if (c.outputScale && c.outputScale.length !== w.outC) throw new RangeError('convolution: outputScale length');
    if (c.bias && c.bias.length !== w.outC) throw new RangeError('convolution: bias length');
  }
}

/**
 * Adds the convolution terms of every patch to `builder`: input ciphertexts inputBase … inputBase + inL.ciphertexts − 1,
 * outputs 0 … outL.ciphertexts − 1. The builder's output period must be outL.period.
 */
export function addConvolution(builder: SlotMapBuilder, inL: PackedLayout, inputBase: number, outL: PackedLayout, convs: readonly PatchConv[]): void {
  checkConv(inL, outL, convs);
  const inSlots = slotTable(inL);
  const outSlots = slotTable(outL);
  const L = patchCount(inL);
  const si = inL.side;
  const so = outL.side;
  // loop order: every pixel of one (patch, out, in, tap) shares one offset, so the builder's diagonal cache hits
  for (let p = 0; p < L; p++) {
    const conv = convs[p]!;
    const { weight: w, stride, padding } = conv;
    const k = w.k;
    for (let o = 0; o < w.outC; o++) {
      const fo = conv.outputScale?.[o] ?? 1;
      for (let i = 0; i < w.inC; i++) {
        const fi = fo * (conv.inputScale?.[i] ?? 1);
        for (let ky = 0; ky < k; ky++) {
          for (let kx = 0; kx < k; kx++) {
            const v = w.data[((o * w.inC + i) * k + ky) * k + kx]! * fi;
            if (v === 0) continue;
            for (let y = 0; y < so; y++) {
              const yi = y * stride + ky - padding;
              if (yi < 0 || yi >= si) continue;
              for (let x = 0; x < so; x++) {
                const xi = x * stride + kx - padding;
                if (xi < 0 || xi >= si) continue;
                const at = (((p * inL.channels + i) * si + yi) * si + xi) * 2;
                const ot = (((p * outL.channels + o) * so + y) * so + x) * 2;
                builder.add(outSlots[ot]!, inputBase + inSlots[at]!, outSlots[ot + 1]!, inSlots[at + 1]!, v);
              }
            }
          }
        }
      }
    }
  }
  addChannelBias(builder, outL, convs.map((c) => c.bias));
}

/** Adds y += scale[c] ⊙ x for the identity path (same layout in and out). */
export function addChannelScale(builder: SlotMapBuilder, layout: PackedLayout, inputBase: number, scales: readonly PatchScale[]): void {
  if (scales.length !== patchCount(layout)) throw new RangeError('addChannelScale: one scale vector per patch');
  forEachEntry(layout, (p, c, _y, _x, ct, slot) => {
    const s = scales[p]!.scale[c];
    if (s === undefined) throw new RangeError('addChannelScale: one value per channel');
    builder.add(ct, inputBase + ct, slot, slot, s);
  });
}

/** Adds a per-patch per-channel bias to the outputs (nothing when all undefined). */
export function addChannelBias(builder: SlotMapBuilder, outL: PackedLayout, biases: readonly (Float64Array | undefined)[]): void {
  if (biases.every((b) => b === undefined)) return;
  const vectors = packChannelConstants(outL, biases.map((b) => b ?? new Float64Array(outL.channels)));
  vectors.forEach((v, m) => builder.addBias(m, v));
}

/** (ciphertext, slot) of every input entry, indexed by ((p·C + c)·side + y)·side + x, interleaved. */
function slotTable(l: PackedLayout): Int32Array {
  const t = new Int32Array(patchCount(l) * l.channels * l.side * l.side * 2);
  for (let p = 0; p < patchCount(l); p++) {
    for (let c = 0; c < l.channels; c++) {
      for (let y = 0; y < l.side; y++) {
        for (let x = 0; x < l.side; x++) {
          const { ct, slot } = slotOf(l, p, c, y, x);
          const at = (((p * l.channels + c) * l.side + y) * l.side + x) * 2;
          t[at] = ct;
          t[at + 1] = slot;
        }
      }
    }
  }
  return t;
}

/** A builder for maps from the given input layouts (concatenated ciphertexts) to `outL`. */
export function mapBuilder(inputs: readonly PackedLayout[], outL: PackedLayout): SlotMapBuilder {
  const periods = inputs.flatMap((l) => new Array<number>(l.ciphertexts).fill(l.period));
  return new SlotMapBuilder(outL.slots, periods, outL.ciphertexts, outL.period);
}

/** The map of one convolution (all patches). */
export function convolutionMap(inL: PackedLayout, outL: PackedLayout, convs: readonly PatchConv[]): SlotLinearMap {
  const b = mapBuilder([inL], outL);
  addConvolution(b, inL, 0, outL, convs);
  return b.build();
}
