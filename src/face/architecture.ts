/**
 * CryptoFaceNet architecture constants (Ao & Boddeti, CVPR 2025; reference §2.1–2.2): variants, the PCNN
 * block list, and the expected folded tensor names and shapes of the weights format
 * ("cryptoface-weights" v1, docs/face-model.md).
 */

/** A named CryptoFaceNet variant. */
export type CfnetVariant = 'CFNet4' | 'CFNet9' | 'CFNet16';

/** Input size and patch-grid side of each variant (patches are always 32×32). */
export const VARIANTS: Readonly<Record<CfnetVariant, { readonly inputSize: number; readonly grid: number }>> = {
  CFNet4: { inputSize: 64, grid: 2 },
  CFNet9: { inputSize: 96, grid: 3 },
  CFNet16: { inputSize: 128, grid: 4 },
};

/** Patch side in pixels. */
export const PATCH_SIZE = 32;
/** Size of each patch feature and of the fused embedding. */
export const EMBEDDING_DIM = 256;
/** (in, out, stride) of the five HerPNConv blocks of every PCNN. */
export const BLOCKS: ReadonlyArray<readonly [number, number, number]> = [
  [16, 16, 1],
  [16, 32, 2],
  [32, 32, 1],
  [32, 64, 2],
  [64, 64, 1],
];

/** True for the variant names this library knows. */
export function isVariant(v: unknown): v is CfnetVariant {
  return typeof v === 'string' && Object.prototype.hasOwnProperty.call(VARIANTS, v);
}

/** Every tensor of the folded form of a variant, in file order, with its shape. */
export function expectedTensors(variant: CfnetVariant): Array<{ name: string; shape: number[] }> {
  const { grid } = VARIANTS[variant];
  const out: Array<{ name: string; shape: number[] }> = [];
  for (let i = 0; i < grid * grid; i++) {
    const p = `p${i}.`;
    out.push({ name: `${p}stem.weight`, shape: [16, 3, 3, 3] });
    BLOCKS.forEach(([ci, co, s], j) => {
      const q = `${p}block${j}.`;
      out.push({ name: `${q}herpn1.a2`, shape: [ci] }, { name: `${q}herpn1.a1`, shape: [ci] }, { name: `${q}herpn1.a0`, shape: [ci] });
      out.push({ name: `${q}conv1.weight`, shape: [co, ci, 3, 3] });
      out.push({ name: `${q}herpn2.a1`, shape: [co] }, { name: `${q}herpn2.a0`, shape: [co] });
      out.push({ name: `${q}conv2.weight`, shape: [co, co, 3, 3] });
      if (s !== 1 || ci !== co) {
        out.push({ name: `${q}shortcut.weight`, shape: [co, ci, 1, 1] });
        for (const k of ['weight', 'bias', 'mean', 'var']) out.push({ name: `${q}shortcut.bn.${k}`, shape: [co] });
      }
    });
    for (const k of ['a2', 'a1', 'a0']) out.push({ name: `${p}pool.${k}`, shape: [64] });
    for (const k of ['weight', 'bias', 'mean', 'var']) out.push({ name: `${p}bn.${k}`, shape: [EMBEDDING_DIM] });
    out.push({ name: `${p}fc.weight`, shape: [EMBEDDING_DIM, EMBEDDING_DIM] });
  }
  out.push({ name: 'fc.bias', shape: [EMBEDDING_DIM] });
  return out;
}
