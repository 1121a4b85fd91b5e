/**
 * What the key holder and the server derive identically from the same weights and options (docs/face-pipeline.md):
 * the CKKS context, the compiled encrypted CryptoFaceNet with its bootstrapping parameters (encryptedFaceServer.ts,
 * `compileCryptoface`), where the fused feature y lands (level, scale, slots), the matcher's normalisation polynomial
 * and threshold τ, and the model identifier every message carries.
 *
 * The model identifier is a SHA-256 over every weight of the network (each Float64Array in a fixed order), the
 * normalisation polynomial and τ: a template computed with one model is refused by a server running another.
 */
import type { ThreadPool } from '../../ckks/parallel/index.js';
import { CkksContext } from '../../ckks/scheme/context.js';
import type { PlannedGaloisKey } from '../encrypted/networkKeys.js';
import { planNetworkKeys } from '../encrypted/networkKeys.js';
import { compileCryptoface, type CryptofaceSetup } from '../encrypted/encryptedFaceServer.js';
import { CRYPTOFACE_N16, type CryptofaceParameterSet } from '../encrypted/cryptofaceParameters.js';
import type { NetworkWeights } from '../encrypted/encryptedCfnet.js';
import type { FeatureLayout } from '../encrypted/encryptedNormalize.js';
import type { FusionArrangement } from '../../nn/encrypted/fusionMap.js';
import { matcherKeyPlan, MATCH_LEVELS, type MatcherOptions } from '../encrypted/encryptedMatch.js';
import { conjugationElement, galoisElementForRotation } from '../../ckks/ring/automorphism.js';
import { levelledKeyBytes } from '../../ckks/scheme/levelledKeys.js';
import { sha256Hex } from '../sha256.js';
import type { NormPolynomial } from '../weights.js';

/** The weights the protocol needs: the network's, its normalisation polynomial and threshold. */
export type FaceWeights = NetworkWeights & { readonly normalization: Pick<NormPolynomial, 'a' | 'b' | 'c'>; readonly tau: number };

export interface FaceSetupOptions {
  /** The parameter set (default CRYPTOFACE_N16, N = 2^16, 128-bit); smaller ones are insecure and for tests. */
  readonly set?: CryptofaceParameterSet;
  /** Threads for everything on this context (see docs/threads.md). */
  readonly pool?: ThreadPool;
  /** B, the bound on block 3's output (default: the parameter module's). */
  readonly bound?: number;
  /** Patch side (default 32; reduced test networks use smaller). */
  readonly patchSize?: number;
  /** Matcher options (flooding bits, verdict margin, multiplier bits, norm bound); not its random source. */
  readonly matcher?: Omit<MatcherOptions, 'random'>;
}

/** One key of the plan, by Galois element (rotations, conjugation) with the highest level it is used at. */
export interface FaceKeyPlan {
  readonly galoisKeys: readonly PlannedGaloisKey[];
  readonly relinearizationLevel: number;
  readonly ephemeralHammingWeight: number;
  /** Bytes in memory of all evaluation keys, and seeded (as they cross the wire). */
  readonly bytes: number;
  readonly bytesSeeded: number;
}

export class FaceSetup {
  private constructor(
    readonly context: CkksContext,
    readonly crypto: CryptofaceSetup,
    readonly weights: FaceWeights,
    readonly model: string,
    readonly featureLayout: FeatureLayout,
    readonly options: FaceSetupOptions,
  ) {}

  /** Builds the context and compiles the network (seconds at N = 2^16: the maps are planned, nothing is encoded). */
  static create(weights: FaceWeights, options: FaceSetupOptions = {}): FaceSetup {
    const set = options.set ?? CRYPTOFACE_N16;
    if (!Number.isFinite(weights.tau)) throw new RangeError('weights.tau must be finite');
    const context = new CkksContext(set.params, options.pool === undefined ? {} : { pool: options.pool });
    const crypto = compileCryptoface(context, weights, {
      set,
      ...(options.bound === undefined ? {} : { bound: options.bound }),
      ...(options.patchSize === undefined ? {} : { patchSize: options.patchSize }),
    });
    const fusion = crypto.net.fusion.fusion;
    const layout = featureLayout(crypto.net.fusion.arrangement, fusion.level - 1, fusion.outputScale);
    if (layout.level < MATCH_LEVELS) {
      throw new RangeError(`the parameter set leaves ${layout.level} levels after the fusion; normalisation and matching need ${MATCH_LEVELS}`);
    }
    return new FaceSetup(context, crypto, weights, modelId(weights), layout, options);
  }

  /** Every evaluation key the server needs (network, bootstrap, matcher), merged by Galois element at its highest level. */
  keyPlan(): FaceKeyPlan {
    const net = planNetworkKeys(this.crypto.net, this.crypto.bootstrapping);
    const ctx = this.context;
    const N = ctx.ringDegree;
    const m = matcherKeyPlan(this.featureLayout);
    const levels = new Map<number, { level: number; usedBy: PlannedGaloisKey['usedBy'] }>();
    for (const k of net.galoisKeys) levels.set(k.galoisElement, { level: k.level, usedBy: k.usedBy });
    const add = (element: number, level: number) => {
      const e = levels.get(element);
      levels.set(element, { level: Math.max(e?.level ?? -1, level), usedBy: e === undefined ? 'network' : e.usedBy });
    };
    for (const [step, level] of m.rotationKeyLevels) add(galoisElementForRotation(step, N), level);
    add(conjugationElement(N), m.conjugationLevel);
    const bytesAt = (level: number) => levelledKeyBytes(ctx, level);
    const galoisKeys = [...levels].sort(([a], [b]) => a - b)
      .map(([galoisElement, { level, usedBy }]) => Object.freeze({ galoisElement, level, usedBy, bytes: bytesAt(level).plain }));
    const relinearizationLevel = Math.max(net.relinearizationLevel, m.relinearizationLevel);
    const encapsulation = net.bytes.encapsulation;
    const bytes = galoisKeys.reduce((s, k) => s + k.bytes, 0) + bytesAt(relinearizationLevel).plain + encapsulation;
    const bytesSeeded = galoisKeys.reduce((s, k) => s + bytesAt(k.level).seeded, 0) + bytesAt(relinearizationLevel).seeded + encapsulation / 2;
    return Object.freeze({ galoisKeys: Object.freeze(galoisKeys), relinearizationLevel, ephemeralHammingWeight: net.ephemeralHammingWeight, bytes, bytesSeeded });
  }
}

/**
 * Where the fusion leaves y (fusionMap.ts): y_j at slot j < D, repeated with period 2F when the replicas and patch
 * ranges fill the slots exactly (CFNet4 at N = 2^16: D = F = 256, period 512); otherwise once, with other sums in the
 * remaining slots (period = slots: the normaliser masks everything but slots 0 … D − 1).
 */
export function featureLayout(a: FusionArrangement, level: number, scale: number): FeatureLayout {
  const full = a.replicas * a.ranges * 2 * a.features === a.slots;
  return { slots: a.slots, dim: a.rows, period: full ? 2 * a.features : a.slots, level, scale };
}

/** SHA-256 over the network's weights (every Float64Array, in key order), the normalisation polynomial and τ. */
export function modelId(weights: FaceWeights): string {
  const chunks: Uint8Array[] = [];
  const visit = (v: unknown): void => {
    if (v instanceof Float64Array) chunks.push(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
    else if (typeof v === 'number') chunks.push(new Uint8Array(Float64Array.of(v).buffer));
    else if (Array.isArray(v)) v.forEach(visit);
    else if (typeof v === 'object' && v !== null) for (const k of Object.keys(v).sort()) visit((v as Record<string, unknown>)[k]);
  };
  visit({ grid: weights.grid, patches: weights.patches, fcBias: weights.fcBias, a: weights.normalization.a, b: weights.normalization.b, c: weights.normalization.c, tau: weights.tau });
  const total = chunks.reduce((s, c) => s + c.length, 0);
  const all = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    all.set(c, o);
    o += c.length;
  }
  return sha256Hex(all);
}
