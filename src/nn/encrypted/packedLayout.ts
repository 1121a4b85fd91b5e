/**
 * The packed multiplexed layout of a batch of CHW tensors (one per patch) in CKKS slot vectors: the MP-CNN
 * layout of Lee et al. 2022 ("Low-complexity deep convolutional neural networks on FHE using multiplexed parallel
 * convolutions"; CryptoFace reference §5.3) plus a patch index.
 *
 * The L = gh·gw patches of side `patchSize` are placed side by side as a mosaic (the patch grid of the input
 * image), so every spatial position of every patch has a cell on one (gh·patchSize) × (gw·patchSize) grid, and
 * one rotation moves all patches at once. At gap k (k = 1 at the input, doubled by every stride-2 convolution)
 * a tensor of c channels and side patchSize/k puts channel ch = k²·u + k·a + b, pixel (y, x) of patch
 * (py, px) in block u at grid cell (py·patchSize + k·y + a, px·patchSize + k·x + b): the k² channels of a block
 * fill the gaps that striding leaves. Slot in the tensor = u·blockSize + row·rowStride + col. The t = ⌈c/k²⌉
 * blocks are cut into ciphertexts of `blocksPerCiphertext` blocks; a ciphertext's `period` =
 * blocksPerCiphertext·blockSize slots are repeated `replicas` = slots/period times (replicas make rotations
 * cyclic over the blocks, which the convolutions rely on).
 */
import type { Tensor3 } from '../tensor.js';

/** Where a tensor lives: a multiplexed (gap, side, channels, blocks, replicas) layout over a patch mosaic. */
export interface PackedLayout {
  /** Slots per ciphertext (N/2 for full packing). */
  readonly slots: number;
  /** Patch grid rows × columns (patch index = row·gridCols + col). */
  readonly gridRows: number;
  readonly gridCols: number;
  /** Side of a patch at gap 1 (the size of its mosaic cell), a multiple of `gap`. */
  readonly patchSize: number;
  /** Gap k (a power of two): side of the tensor = patchSize / k. */
  readonly gap: number;
  readonly channels: number;
  /** Slots between consecutive grid rows (a power of two ≥ gridCols·patchSize). */
  readonly rowStride: number;
  /** Slots per block (a power of two ≥ gridRows·patchSize·rowStride). */
  readonly blockSize: number;
  /** Blocks per ciphertext (a power of two). */
  readonly blocksPerCiphertext: number;
  /** Tensor side (≤ patchSize / gap; default patchSize / gap): the tensor fills the top-left of each cell. */
  readonly side: number;
  /** Derived: blocks t = ⌈channels / gap²⌉. */
  readonly blocks: number;
  /** Derived: number of ciphertexts ⌈blocks / blocksPerCiphertext⌉. */
  readonly ciphertexts: number;
  /** Derived: blocksPerCiphertext·blockSize; every ciphertext's slot vector is periodic with this period. */
  readonly period: number;
  /** Derived: slots / period. */
  readonly replicas: number;
}

/** The fields that define a layout (the rest is derived). */
export interface LayoutSpec {
  readonly slots: number;
  readonly gridRows: number;
  readonly gridCols: number;
  readonly patchSize: number;
  readonly gap: number;
  readonly channels: number;
  /** Default patchSize / gap (smaller after an unpadded convolution). */
  readonly side?: number;
  /** Default: the smallest power of two ≥ gridCols·patchSize. */
  readonly rowStride?: number;
  /** Default: the smallest power of two ≥ gridRows·patchSize·rowStride. */
  readonly blockSize?: number;
  /** Default: the smallest power of two ≥ blocks, capped at slots / blockSize. */
  readonly blocksPerCiphertext?: number;
}

const isPow2 = (v: number): boolean => Number.isInteger(v) && v >= 1 && (v & (v - 1)) === 0;
/** Smallest power of two ≥ v (v ≥ 1). */
export const nextPow2 = (v: number): number => 2 ** Math.ceil(Math.log2(Math.max(1, v)));

/** Validates a spec and derives the layout. Throws RangeError on anything inconsistent. */
export function packedLayout(spec: LayoutSpec): PackedLayout {
  const { slots, gridRows, gridCols, patchSize, gap, channels } = spec;
  if (!isPow2(slots)) throw new RangeError(`packedLayout: slots must be a power of two, got ${slots}`);
  for (const [name, v] of [['gridRows', gridRows], ['gridCols', gridCols], ['patchSize', patchSize], ['channels', channels]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`packedLayout: ${name} must be a positive integer, got ${v}`);
  }
  if (!isPow2(gap) || patchSize % gap !== 0) throw new RangeError(`packedLayout: gap ${gap} must be a power of two dividing the patch size ${patchSize}`);
  const side = spec.side ?? patchSize / gap;
  if (!Number.isInteger(side) || side < 1 || side > patchSize / gap) throw new RangeError(`packedLayout: side ${side} must be an integer in [1, ${patchSize / gap}]`);
  const rowStride = spec.rowStride ?? nextPow2(gridCols * patchSize);
  if (!isPow2(rowStride) || rowStride < gridCols * patchSize) throw new RangeError(`packedLayout: rowStride ${rowStride} must be a power of two ≥ ${gridCols * patchSize}`);
  const blockSize = spec.blockSize ?? nextPow2(gridRows * patchSize * rowStride);
  if (!isPow2(blockSize) || blockSize < gridRows * patchSize * rowStride) throw new RangeError(`packedLayout: blockSize ${blockSize} is not a power of two ≥ rows·rowStride`);
  if (blockSize > slots) throw new RangeError(`packedLayout: a block of ${blockSize} slots does not fit ${slots} slots`);
  const blocks = Math.ceil(channels / (gap * gap));
  const blocksPerCiphertext = spec.blocksPerCiphertext ?? Math.min(nextPow2(blocks), slots / blockSize);
  if (!isPow2(blocksPerCiphertext) || blocksPerCiphertext * blockSize > slots) throw new RangeError(`packedLayout: ${blocksPerCiphertext} blocks per ciphertext do not fit`);
  const period = blocksPerCiphertext * blockSize;
  return Object.freeze({
    slots, gridRows, gridCols, patchSize, gap, channels, rowStride, blockSize, blocksPerCiphertext,
    side, blocks, ciphertexts: Math.ceil(blocks / blocksPerCiphertext), period, replicas: slots / period,
  });
}

/** The layout of the same patches with other channels and gap (e.g. a convolution's output), default packing. */
export function deriveLayout(base: PackedLayout, channels: number, gap: number, side?: number): PackedLayout {
  return packedLayout({ slots: base.slots, gridRows: base.gridRows, gridCols: base.gridCols, patchSize: base.patchSize, gap, channels, side, rowStride: base.rowStride, blockSize: base.blockSize });
}

/** Number of patches. */
export function patchCount(l: PackedLayout): number {
  return l.gridRows * l.gridCols;
}

/** Ciphertext index and base-replica slot of (patch, channel, y, x). */
export function slotOf(l: PackedLayout, patch: number, channel: number, y: number, x: number): { ct: number; slot: number } {
  const k = l.gap;
  const u = Math.floor(channel / (k * k));
  const a = Math.floor((channel % (k * k)) / k);
  const b = channel % k;
  const py = Math.floor(patch / l.gridCols);
  const px = patch % l.gridCols;
  const row = py * l.patchSize + k * y + a;
  const col = px * l.patchSize + k * x + b;
  return { ct: Math.floor(u / l.blocksPerCiphertext), slot: (u % l.blocksPerCiphertext) * l.blockSize + row * l.rowStride + col };
}

/** Calls `f(patch, channel, y, x, ct, slot)` for every tensor entry (base replica), in CHW order per patch. */
export function forEachEntry(l: PackedLayout, f: (patch: number, channel: number, y: number, x: number, ct: number, slot: number) => void): void {
  const L = patchCount(l);
  for (let p = 0; p < L; p++) {
    for (let c = 0; c < l.channels; c++) {
      for (let y = 0; y < l.side; y++) {
        for (let x = 0; x < l.side; x++) {
          const { ct, slot } = slotOf(l, p, c, y, x);
          f(p, c, y, x, ct, slot);
        }
      }
    }
  }
}

/** Copies the base period of every vector into all its replicas (in place). */
export function fillReplicas(l: PackedLayout, vectors: readonly Float64Array[]): void {
  for (const v of vectors) for (let r = 1; r < l.replicas; r++) v.copyWithin(r * l.period, 0, l.period);
}

/** Packs one CHW tensor per patch into `ciphertexts` slot vectors (unused slots 0, replicas filled). */
export function packTensors(l: PackedLayout, tensors: readonly Tensor3[]): Float64Array[] {
  if (tensors.length !== patchCount(l)) throw new RangeError(`packTensors: ${tensors.length} tensors for ${patchCount(l)} patches`);
  for (const t of tensors) {
    if (t.c !== l.channels || t.h !== l.side || t.w !== l.side) throw new RangeError(`packTensors: tensor ${t.c}x${t.h}x${t.w}, layout holds ${l.channels}x${l.side}x${l.side}`);
  }
  const out = Array.from({ length: l.ciphertexts }, () => new Float64Array(l.slots));
  forEachEntry(l, (p, c, y, x, ct, slot) => {
    out[ct]![slot] = tensors[p]!.data[(c * l.side + y) * l.side + x]!;
  });
  fillReplicas(l, out);
  return out;
}

/** Per-channel values laid out like a tensor (value[c] at every pixel of channel c, every patch): HerPN coefficients. */
export function packChannelConstants(l: PackedLayout, values: Float64Array | readonly Float64Array[]): Float64Array[] {
  const perPatch = values instanceof Float64Array ? undefined : values;
  const out = Array.from({ length: l.ciphertexts }, () => new Float64Array(l.slots));
  forEachEntry(l, (p, c, _y, _x, ct, slot) => {
    const v = perPatch === undefined ? (values as Float64Array)[c] : perPatch[p]?.[c];
    if (v === undefined) throw new RangeError('packChannelConstants: a value per channel (and patch) is needed');
    out[ct]![slot] = v;
  });
  fillReplicas(l, out);
  return out;
}

/** Reads the base replica back into one CHW tensor per patch. */
export function unpackTensors(l: PackedLayout, vectors: readonly ArrayLike<number>[]): Tensor3[] {
  if (vectors.length !== l.ciphertexts) throw new RangeError(`unpackTensors: ${vectors.length} vectors, layout has ${l.ciphertexts} ciphertexts`);
  const L = patchCount(l);
  const out = Array.from({ length: L }, () => ({ c: l.channels, h: l.side, w: l.side, data: new Float64Array(l.channels * l.side * l.side) }));
  forEachEntry(l, (p, c, y, x, ct, slot) => {
    out[p]!.data[(c * l.side + y) * l.side + x] = vectors[ct]![slot]!;
  });
  return out;
}

/** True when the two layouts describe the same slots for the same tensors. */
export function sameLayout(a: PackedLayout, b: PackedLayout): boolean {
  return a.slots === b.slots && a.gridRows === b.gridRows && a.gridCols === b.gridCols && a.patchSize === b.patchSize && a.gap === b.gap && a.side === b.side
    && a.channels === b.channels && a.rowStride === b.rowStride && a.blockSize === b.blockSize && a.blocksPerCiphertext === b.blocksPerCiphertext;
}

/** A human-readable one-line description, e.g. "k=2 16x16x32 t=8 ×4 patches, 1 ct × 32768 slots (period 32768)". */
export function describeLayout(l: PackedLayout): string {
  return `k=${l.gap} ${l.channels}x${l.side}x${l.side} t=${l.blocks} ×${patchCount(l)} patches, ${l.ciphertexts} ct × ${l.slots} slots (period ${l.period}, ${l.replicas} replica${l.replicas > 1 ? 's' : ''})`;
}
