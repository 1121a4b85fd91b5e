/**
 * Multiplexed convolution as a packed linear map (the plaintext side of the encrypted conv2d, twin of
 * `conv2d` in ../conv2d.ts). In the multiplexed layout (packedLayout.ts) a kernel tap of a convolution with input
 * gap k_i and stride s reads, for output channel (u_o, a_o, b_o) and input channel (u_i, a_i, b_i), the slot at
 * a fixed offset (u_i − u_o)·blockSize + (k_i·dy + a_i − a_o)·rowStride + (k_i·dx + b_i − b_o) from the output slot
 * whatever the pixel: every (output channel, input channel, tap) is one generalised diagonal, the output layout
 * has gap s·k_i (striding never moves data, it widens the gap), zero padding is a zero in the diagonal, and the
 * per-patch weights, BatchNorm scales and HerPN a2 factors are just the diagonal's values at that patch's slots.
 * Several convolutions may add into one map (a residual block's second conv and its shortcut).
 *
 * Complex packing: a layout of two real ciphertexts x_0, x_1 (CFNet4's stage A) can enter a map as ONE complex
 * ciphertext z = x_0 + i·x_1 (a "paired" input); with the map taking 2·Re of its accumulators, the term W·x_1 becomes
 * (−i·W/2)·z, W·x_0 becomes (W/2)·z, and every (output, offset) needs one complex diagonal instead of two real ones.
 * A map from one real input to two output ciphertexts can likewise accumulate y_0 + i·y_1 and take 2·Re, 2·Im.
 */
import { convOutSize, type ConvWeight } from '../conv2d.js';
import { forEachEntry, packChannelConstants, patchCount, slotOf, type PackedLayout } from './packedLayout.js';
import { SlotMapBuilder, type OutputMode, type SlotLinearMap } from './slotLinearMap.js';

/** Where one ciphertext of a layout goes in a map: input (or accumulator) index and a complex factor. */
export interface Lane {
  readonly index: number;
  readonly re: number;
  readonly im: number;
}

/** An input of a map: a packed layout, its ciphertexts as they are or paired as x_{2j} + i·x_{2j+1}. */
export interface PackedInput {
  readonly layout: PackedLayout;
  readonly paired?: boolean;
}

/** A map under construction: its builder and where each ciphertext of each input and of the output goes. */
export interface MapFrame {
  readonly builder: SlotMapBuilder;
  /** Per input layout, per ciphertext. */
  readonly inputs: readonly (readonly Lane[])[];
  /** Per output ciphertext. */
  readonly outputs: readonly Lane[];
}

/** Number of map inputs a packed input becomes (ciphertexts, or pairs of them). */
export function mapInputCount(input: PackedInput): number {
  return input.paired === true ? input.layout.ciphertexts / 2 : input.layout.ciphertexts;
}

/**
 * The frame of a map from `inputs` to `outL`: 'plain' mode without paired inputs, 'real' (2·Re) when an input is
 * paired, 'realImag' when asked for (one accumulator per two output ciphertexts).
 */
export function mapFrame(inputs: readonly PackedInput[], outL: PackedLayout, realImag = false): MapFrame {
  const paired = inputs.some((x) => x.paired === true);
  if (paired && realImag) throw new RangeError('mapFrame: paired inputs take the real part of each accumulator (not realImag)');
  for (const x of inputs) if (x.paired === true && x.layout.ciphertexts % 2 !== 0) throw new RangeError('mapFrame: a paired input needs an even number of ciphertexts');
  if (realImag && outL.ciphertexts % 2 !== 0) throw new RangeError('mapFrame: realImag needs an even number of output ciphertexts');
  const mode: OutputMode = realImag ? 'realImag' : paired ? 'real' : 'plain';
  const periods: number[] = [];
  const lanes: Lane[][] = inputs.map((x) => {
    const base = periods.length;
    const n = mapInputCount(x);
    for (let j = 0; j < n; j++) periods.push(x.layout.period);
    return Array.from({ length: x.layout.ciphertexts }, (_, ct): Lane => (x.paired === true ? { index: base + (ct >> 1), re: ct % 2 === 0 ? 1 : 0, im: ct % 2 === 0 ? 0 : -1 } : { index: base + ct, re: 1, im: 0 }));
  });
  const half = mode === 'plain' ? 1 : 0.5;
  const outputs = Array.from({ length: outL.ciphertexts }, (_, ct): Lane => (mode === 'realImag' ? { index: ct >> 1, re: ct % 2 === 0 ? half : 0, im: ct % 2 === 0 ? 0 : half } : { index: ct, re: half, im: 0 }));
  const accumulators = mode === 'realImag' ? outL.ciphertexts / 2 : outL.ciphertexts;
  return { builder: new SlotMapBuilder(outL.slots, periods, accumulators, outL.period, mode), inputs: lanes, outputs };
}

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
 * Adds the convolution terms of every patch to the frame: input layout number `input` of the frame (`inL`) to the
 * output layout `outL` (the builder's output period must be outL.period).
 */
export function addConvolution(frame: MapFrame, input: number, inL: PackedLayout, outL: PackedLayout, convs: readonly PatchConv[]): void {
  checkConv(inL, outL, convs);
  const inLanes = frame.inputs[input]!;
  const outLanes = frame.outputs;
  const builder = frame.builder;
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
                const a = inLanes[inSlots[at]!]!;
                const b = outLanes[outSlots[ot]!]!;
                // v·(a.re + i·a.im)·(b.re + i·b.im)
                const re = a.re * b.re - a.im * b.im;
                const im = a.re * b.im + a.im * b.re;
                builder.add(b.index, a.index, outSlots[ot + 1]!, inSlots[at + 1]!, v * re, v * im);
              }
            }
          }
        }
      }
    }
  }
  addChannelBias(frame, outL, convs.map((c) => c.bias));
}

/** Adds y += scale[c] ⊙ x for the identity path: input layout number `input` (same layout as the output). */
export function addChannelScale(frame: MapFrame, input: number, layout: PackedLayout, scales: readonly PatchScale[]): void {
  if (scales.length !== patchCount(layout)) throw new RangeError('addChannelScale: one scale vector per patch');
  const inLanes = frame.inputs[input]!;
  forEachEntry(layout, (p, c, _y, _x, ct, slot) => {
    const s = scales[p]!.scale[c];
    if (s === undefined) throw new RangeError('addChannelScale: one value per channel');
    const a = inLanes[ct]!;
    const b = frame.outputs[ct]!;
    frame.builder.add(b.index, a.index, slot, slot, s * (a.re * b.re - a.im * b.im), s * (a.re * b.im + a.im * b.re));
  });
}

/** Adds a per-patch per-channel bias to the outputs (nothing when all undefined). */
export function addChannelBias(frame: MapFrame, outL: PackedLayout, biases: readonly (Float64Array | undefined)[]): void {
  if (biases.every((b) => b === undefined)) return;
  const vectors = packChannelConstants(outL, biases.map((b) => b ?? new Float64Array(outL.channels)));
  // biases are added to the results (after 2·Re / 2·Im), one per output ciphertext
  vectors.forEach((v, ct) => frame.builder.addBias(ct, v));
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

/** The map of one convolution (all patches); `paired`: the input enters as complex pairs; `realImag` see mapFrame. */
export function convolutionMap(inL: PackedLayout, outL: PackedLayout, convs: readonly PatchConv[], options: { paired?: boolean; realImag?: boolean } = {}): SlotLinearMap {
  const frame = mapFrame([{ layout: inL, paired: options.paired ?? false }], outL, options.realImag ?? false);
  addConvolution(frame, 0, inL, outL, convs);
  return frame.builder.build();
}
