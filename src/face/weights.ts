/**
 * Loader and validator of the CryptoFaceNet folded weights format "cryptoface-weights" version 1
 * (docs/face-model.md; folding as in the CryptoFace reference §2.3–2.4). Input: the JSON manifest (text,
 * UTF-8 bytes or an already parsed object) and the binary as a `Uint8Array` — no file system access, so it
 * runs in Node and in browsers. Every failure is a {@link FaceModelError} with a stable code.
 */
import { convWeight, matrix, type BatchNormParams, type ConvWeight, type Matrix } from '../nn/index.js';
import { parseBounds, type ActivationBounds } from './bounds.js';
import { BLOCKS, EMBEDDING_DIM, PATCH_SIZE, VARIANTS, expectedTensors, isVariant, type CfnetVariant } from './architecture.js';
import { FaceModelError } from './errors.js';
import { sha256Hex } from './sha256.js';

/** Format name written in every manifest. */
export const WEIGHTS_FORMAT = 'cryptoface-weights';
/** The manifest version this loader reads. */
export const WEIGHTS_VERSION = 1;

/** Normalisation polynomial p(s) = a·s² + b·s + c ≈ 1/√s, s = ||y||² (reference §2.6). */
export interface NormPolynomial {
  readonly a: number;
  readonly b: number;
  readonly c: number;
  /** x1 = μ, x2 = min(μ+σ, max), x3 = max(μ−σ, min) of the kept training norms. */
  readonly controlPoints: readonly number[];
  /** Statistics of s over the training data (smallest 99% kept). */
  readonly stats: { readonly count: number; readonly kept: number; readonly mean: number; readonly std: number; readonly min: number; readonly max: number };
}

/** One pre-activation HerPNConv block in folded form. */
export interface BlockWeights {
  readonly inC: number;
  readonly outC: number;
  readonly stride: number;
  /** HerPN1: raw a2 (for the shortcut) and monic a1', a0'. */
  readonly herpn1: { readonly a2: Float64Array; readonly a1: Float64Array; readonly a0: Float64Array };
  /** conv1 with HerPN1's a2 folded into its input channels. */
  readonly conv1: ConvWeight;
  /** HerPN2 monic coefficients (its b2 is inside conv2). */
  readonly herpn2: { readonly a1: Float64Array; readonly a0: Float64Array };
  readonly conv2: ConvWeight;
  /** 1×1 stride-2 conv + BatchNorm2d, only in the down-sampling blocks. */
  readonly shortcut?: { readonly conv: ConvWeight; readonly bn: BatchNormParams };
}

/** The folded weights of one patch network (PCNN). */
export interface PatchWeights {
  readonly stem: ConvWeight;
  readonly blocks: readonly BlockWeights[];
  /** HerPNPool: raw a2 (applied after pooling), monic a1', a0'. */
  readonly pool: { readonly a2: Float64Array; readonly a1: Float64Array; readonly a0: Float64Array };
  /** Per-patch BatchNorm1d(256), PyTorch flatten order 4·c + 2·row + col. */
  readonly bn: BatchNormParams;
  /** A'_i, this patch's 256×256 block of the BN-folded fusion matrix. */
  readonly fc: Matrix;
}

/** A loaded, validated CryptoFaceNet. */
export interface CfnetWeights {
  readonly variant: CfnetVariant;
  readonly inputSize: number;
  readonly grid: number;
  readonly patches: readonly PatchWeights[];
  /** b'/L, added by every patch. */
  readonly fcBias: Float64Array;
  readonly bnEps: number;
  readonly normalization: NormPolynomial;
  /** Verification threshold on ||ŷ1 − ŷ2||² (polynomial normalisation). */
  readonly tau: number;
  /** Measured activation bounds for the encrypted evaluation (optional manifest field `bounds`). */
  readonly bounds?: ActivationBounds;
  /** The parsed manifest, for provenance fields not modelled here. */
  readonly manifest: Readonly<Record<string, unknown>>;
}

interface TensorEntry {
  name: string;
  shape: number[];
  dtype: 'float32' | 'float64';
  offset: number;
  length: number;
}

const corrupt = (m: string): FaceModelError => new FaceModelError('CORRUPT_WEIGHTS', m);
const mismatch = (m: string): FaceModelError => new FaceModelError('MISMATCHED_WEIGHTS', m);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function num(obj: Record<string, unknown>, key: string, where: string): number {
  const v = obj[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw corrupt(`${where}.${key} must be a finite number`);
  return v;
}

function parseManifest(manifest: string | Uint8Array | object): Record<string, unknown> {
  let m: unknown = manifest;
  try {
    if (manifest instanceof Uint8Array) m = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(manifest));
    else if (typeof manifest === 'string') m = JSON.parse(manifest);
  } catch (e) {
    throw corrupt(`manifest is not valid JSON: ${(e as Error).message}`);
  }
  if (!isRecord(m)) throw corrupt('manifest must be a JSON object');
  return m;
}

function parseEntries(m: Record<string, unknown>): TensorEntry[] {
  const list = m['tensors'];
  if (!Array.isArray(list)) throw corrupt('manifest.tensors must be an array');
  return list.map((e: unknown, k): TensorEntry => {
    if (!isRecord(e)) throw corrupt(`tensors[${k}] is not an object`);
    const { name, shape, dtype, offset, length } = e;
    if (typeof name !== 'string') throw corrupt(`tensors[${k}].name must be a string`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && (d as number) > 0)) throw mismatch(`${name}: bad shape`);
    if (dtype !== 'float32' && dtype !== 'float64') throw mismatch(`${name}: dtype must be float32 or float64`);
    if (!Number.isInteger(offset) || (offset as number) < 0 || !Number.isInteger(length)) throw corrupt(`${name}: bad offset/length`);
    return { name, shape: shape as number[], dtype, offset: offset as number, length: length as number };
  });
}

function decode(bin: Uint8Array, e: TensorEntry): Float64Array {
  const view = new DataView(bin.buffer, bin.byteOffset, bin.byteLength);
  const out = new Float64Array(e.length);
  if (e.dtype === 'float32') for (let i = 0; i < e.length; i++) out[i] = view.getFloat32(e.offset + 4 * i, true);
  else for (let i = 0; i < e.length; i++) out[i] = view.getFloat64(e.offset + 8 * i, true);
  for (let i = 0; i < out.length; i++) if (!Number.isFinite(out[i]!)) throw corrupt(`${e.name}: non-finite value at ${i}`);
  return out;
}

function parsePolynomial(v: unknown): NormPolynomial {
  if (!isRecord(v)) throw corrupt('manifest.normalization missing');
  const cp = v['controlPoints'];
  const st = v['stats'];
  if (!Array.isArray(cp) || cp.length !== 3 || !cp.every((x) => typeof x === 'number' && Number.isFinite(x))) throw corrupt('normalization.controlPoints must be 3 numbers');
  if (!isRecord(st)) throw corrupt('normalization.stats missing');
  const stats = {
    count: num(st, 'count', 'stats'), kept: num(st, 'kept', 'stats'), mean: num(st, 'mean', 'stats'),
    std: num(st, 'std', 'stats'), min: num(st, 'min', 'stats'), max: num(st, 'max', 'stats'),
  };
  return { a: num(v, 'a', 'normalization'), b: num(v, 'b', 'normalization'), c: num(v, 'c', 'normalization'), controlPoints: cp as number[], stats };
}

/**
 * Parses and validates a weights manifest + binary. Checks, in order: JSON, format/version/variant
 * (UNSUPPORTED_WEIGHTS), binary length and SHA-256 (CORRUPT_WEIGHTS), tensor names/shapes/dtypes and the
 * contiguous layout (MISMATCHED_WEIGHTS), finiteness of every value (CORRUPT_WEIGHTS), and the optional
 * `bounds` field (`parseBounds`; its normRange must be the normalisation's [stats.min, stats.max]).
 */
export function loadWeights(manifest: string | Uint8Array | object, binary: Uint8Array): CfnetWeights {
  const m = parseManifest(manifest);
  if (m['format'] !== WEIGHTS_FORMAT) throw new FaceModelError('UNSUPPORTED_WEIGHTS', `format is ${String(m['format'])}, expected ${WEIGHTS_FORMAT}`);
  if (m['version'] !== WEIGHTS_VERSION) throw new FaceModelError('UNSUPPORTED_WEIGHTS', `version ${String(m['version'])} is not supported (expected ${WEIGHTS_VERSION})`);
  const variant = m['variant'];
  if (!isVariant(variant)) throw new FaceModelError('UNSUPPORTED_WEIGHTS', `unknown variant ${String(variant)}`);
  const { inputSize, grid } = VARIANTS[variant];
  if (m['inputSize'] !== inputSize || m['grid'] !== grid || m['patchSize'] !== PATCH_SIZE || m['embeddingDim'] !== EMBEDDING_DIM) {
    throw mismatch(`${variant} must have inputSize ${inputSize}, grid ${grid}, patchSize ${PATCH_SIZE}, embeddingDim ${EMBEDDING_DIM}`);
  }
  if (m['patches'] !== undefined && m['patches'] !== grid * grid) throw mismatch(`${variant} has ${grid * grid} patches, manifest says ${String(m['patches'])}`);
  const byteLength = num(m, 'byteLength', 'manifest');
  if (binary.length !== byteLength) throw corrupt(`binary has ${binary.length} bytes, manifest says ${byteLength} (truncated or padded file)`);
  const cs = m['checksum'];
  if (!isRecord(cs) || cs['algorithm'] !== 'sha256' || typeof cs['value'] !== 'string') throw corrupt('manifest.checksum must be {algorithm: "sha256", value}');
  const digest = sha256Hex(binary);
  if (digest !== cs['value'].toLowerCase()) throw corrupt(`SHA-256 mismatch: binary ${digest}, manifest ${cs['value']}`);

  const entries = parseEntries(m);
  const byName = new Map<string, TensorEntry>();
  let end = 0;
  for (const e of entries) {
    if (byName.has(e.name)) throw mismatch(`duplicate tensor ${e.name}`);
    byName.set(e.name, e);
    const size = e.dtype === 'float32' ? 4 : 8;
    if (e.length !== e.shape.reduce((x, y) => x * y, 1)) throw mismatch(`${e.name}: length ${e.length} does not match shape [${e.shape.join(',')}]`);
    if (e.offset !== end) throw corrupt(`${e.name}: offset ${e.offset}, expected ${end} (tensors must be contiguous)`);
    end += e.length * size;
  }
  if (end !== byteLength) throw corrupt(`tensors cover ${end} bytes of ${byteLength}`);
  const expected = expectedTensors(variant);
  if (expected.length !== entries.length) throw mismatch(`${variant} has ${expected.length} tensors, manifest lists ${entries.length}`);
  const values = new Map<string, Float64Array>();
  for (const x of expected) {
    const e = byName.get(x.name);
    if (e === undefined) throw mismatch(`missing tensor ${x.name}`);
    if (e.shape.length !== x.shape.length || e.shape.some((d, k) => d !== x.shape[k])) {
      throw mismatch(`${x.name}: shape [${e.shape.join(',')}], expected [${x.shape.join(',')}]`);
    }
    values.set(x.name, decode(binary, e));
  }
  const get = (name: string): Float64Array => values.get(name)!;
  const eps = typeof m['bnEps'] === 'number' ? m['bnEps'] : 1e-5;
  const bnOf = (q: string): BatchNormParams => ({ weight: get(`${q}weight`), bias: get(`${q}bias`), mean: get(`${q}mean`), variance: get(`${q}var`), eps });

  const patches: PatchWeights[] = [];
  for (let i = 0; i < grid * grid; i++) {
    const p = `p${i}.`;
    const blocks = BLOCKS.map(([ci, co, s], j): BlockWeights => {
      const q = `${p}block${j}.`;
      const down = s !== 1 || ci !== co;
      return {
        inC: ci, outC: co, stride: s,
        herpn1: { a2: get(`${q}herpn1.a2`), a1: get(`${q}herpn1.a1`), a0: get(`${q}herpn1.a0`) },
        conv1: convWeight(co, ci, 3, get(`${q}conv1.weight`)),
        herpn2: { a1: get(`${q}herpn2.a1`), a0: get(`${q}herpn2.a0`) },
        conv2: convWeight(co, co, 3, get(`${q}conv2.weight`)),
        ...(down ? { shortcut: { conv: convWeight(co, ci, 1, get(`${q}shortcut.weight`)), bn: bnOf(`${q}shortcut.bn.`) } } : {}),
      };
    });
    patches.push({
      stem: convWeight(16, 3, 3, get(`${p}stem.weight`)),
      blocks,
      pool: { a2: get(`${p}pool.a2`), a1: get(`${p}pool.a1`), a0: get(`${p}pool.a0`) },
      bn: bnOf(`${p}bn.`),
      fc: matrix(EMBEDDING_DIM, EMBEDDING_DIM, get(`${p}fc.weight`)),
    });
  }
  const th = m['threshold'];
  if (!isRecord(th)) throw corrupt('manifest.threshold missing');
  const normalization = parsePolynomial(m['normalization']);
  const bounds = m['bounds'] === undefined ? undefined : parseBounds(m['bounds']);
  if (bounds && (bounds.normRange[0] !== normalization.stats.min || bounds.normRange[1] !== normalization.stats.max)) {
    throw corrupt(`manifest.bounds.normRange [${bounds.normRange.join(', ')}] is not the normalisation's fitted range [${normalization.stats.min}, ${normalization.stats.max}]`);
  }
  return {
    variant, inputSize, grid, patches, fcBias: get('fc.bias'), bnEps: eps,
    normalization, tau: num(th, 'tau', 'threshold'), ...(bounds ? { bounds } : {}), manifest: m,
  };
}
