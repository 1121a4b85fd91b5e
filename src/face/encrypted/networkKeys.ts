/**
 * Exactly the evaluation keys the encrypted CryptoFaceNet and its bootstrap need, planned before any is generated.
 *
 * The network's maps use rotation steps at known levels (`EncryptedCfnet.rotationKeyLevels`), a conjugation and a
 * relinearisation up to some level; the bootstrap uses SubSum's, CoeffsToSlots' and SlotsToCoeffs' rotations, a
 * conjugation and a relinearisation (EvalMod) at its own levels (`galoisKeyLevels`), and the two encapsulation keys.
 * A switching key restricted to level m serves every level ≤ m (scheme/levelledKeys.ts), so a Galois element used
 * by both is ONE key at the higher of the two levels, and one relinearisation key serves both: the plan merges them.
 * Sizes are exact (`levelledKeyBytes`): the client can show them before spending minutes and gigabytes.
 *
 * The secret key stays on the client: `generateNetworkKeys` returns only evaluation keys, which is all the server
 * side (`EncryptedFaceServer`) takes.
 */
import { conjugationElement, galoisElementForRotation } from '../../ckks/ring/automorphism.js';
import type { RandomSource } from '../../ckks/ring/randomSource.js';
import type { BootstrappingParameters } from '../../ckks/circuits/bootstrapping/bootstrappingParameters.js';
import { dftMatrices, galoisKeyLevels, planRotationSteps, subSumSteps } from '../../ckks/circuits/bootstrapping/bootstrappingKeys.js';
import type { CkksContext } from '../../ckks/scheme/context.js';
import type { GaloisKey, RelinearizationKey, SecretKey } from '../../ckks/scheme/keys.js';
import { levelledGaloisKey, levelledKeyBytes, levelledRelinearizationKey } from '../../ckks/scheme/levelledKeys.js';
import { type EncapsulationKeys, generateEncapsulationKeys } from '../../ckks/scheme/sparseSecretEncapsulation.js';
import type { EncryptedCfnet, NetworkPart } from './encryptedCfnet.js';

/** A stage of the bootstrap's CoeffsToSlots (0 = the first, at the top level; stage 0 also holds SubSum's keys). */
export type CoeffsToSlotsStage = `coeffsToSlots:${number}`;

/**
 * The keys of everything ('all'), or of one phase: the network before the refresh, the bootstrap ('refresh'; or its
 * parts: each CoeffsToSlots stage — its rotations at its level, SubSum's with stage 0 — then SlotsToCoeffs; the
 * conjugation with the last CoeffsToSlots stage and with SlotsToCoeffs; relinearisation and encapsulation keys in
 * every part), the network after it. The CoeffsToSlots keys are the largest (levels 26–28 at CRYPTOFACE_N16) and
 * SlotsToCoeffs uses the same Galois elements, so only a split by CoeffsToSlots stage lowers the bootstrap's peak.
 */
export type KeyPhase = NetworkPart | 'refresh' | CoeffsToSlotsStage | 'slotsToCoeffs';

const isBootstrapPart = (phase: KeyPhase): phase is CoeffsToSlotsStage | 'slotsToCoeffs' => phase === 'slotsToCoeffs' || phase.startsWith('coeffsToSlots:');

/** Galois element → level of the bootstrap's keys (real path), all of them or one part's. */
function bootstrapKeyLevels(params: BootstrappingParameters, half: 'all' | CoeffsToSlotsStage | 'slotsToCoeffs'): Map<number, number> {
  if (half === 'all') return galoisKeyLevels(params, ['real']);
  const N = params.context.ringDegree;
  const levels = new Map<number, number>();
  const use = (steps: readonly number[], level: number) => {
    for (const st of steps) {
      const e = galoisElementForRotation(st, N);
      if (e !== 1) levels.set(e, Math.max(levels.get(e) ?? -1, level));
    }
  };
  const m = dftMatrices(params, 'real');
  if (half === 'slotsToCoeffs') {
    m.slotsToCoeffs.forEach((mat, i) => use(planRotationSteps([mat], params.giantStepCost), params.levels.slotsToCoeffs - i));
    levels.set(conjugationElement(N), params.levels.evalMod); // the last conjugate-and-add
    return levels;
  }
  const stage = Number(half.slice('coeffsToSlots:'.length));
  if (!Number.isInteger(stage) || stage < 0 || stage >= m.coeffsToSlots.length) throw new RangeError(`planNetworkKeys: no CoeffsToSlots stage ${half}`);
  if (stage === 0) use(subSumSteps(params), params.levels.coeffsToSlots);
  use(planRotationSteps([m.coeffsToSlots[stage]!], params.giantStepCost), params.levels.coeffsToSlots - stage);
  if (stage === m.coeffsToSlots.length - 1) levels.set(conjugationElement(N), params.levels.evalMod); // the real/imaginary split
  return levels;
}

/** One Galois key of the plan: its element, the level it is generated at, who uses it, its bytes. */
export interface PlannedGaloisKey {
  readonly galoisElement: number;
  readonly level: number;
  readonly usedBy: 'network' | 'bootstrap' | 'both';
  readonly bytes: number;
}

export interface NetworkKeyPlan {
  readonly context: CkksContext;
  readonly galoisKeys: readonly PlannedGaloisKey[];
  /** Level of the one relinearisation key (network HerPNs and EvalMod). */
  readonly relinearizationLevel: number;
  /** Hamming weight of the encapsulation's ephemeral secret (0: no encapsulation keys). */
  readonly ephemeralHammingWeight: number;
  /** Bytes in memory (a key = 2·digits·(level + 1 + k_P)·N·8), by part, and seeded on the wire (about half). */
  readonly bytes: {
    readonly network: number;
    readonly bootstrap: number;
    readonly shared: number;
    readonly relinearization: number;
    readonly encapsulation: number;
    readonly total: number;
    readonly totalSeeded: number;
  };
  /** What the same keys would take without sharing (network and bootstrap keys separately). */
  readonly unsharedBytes: number;
}

/**
 * The merged key plan of a compiled network and (optionally) its bootstrap's parameters. `phase` restricts it to
 * the keys of one phase (a server that keeps only one phase's keys in memory at a time: docs/encrypted-network.md §8).
 */
export function planNetworkKeys(net: EncryptedCfnet, bootstrapping?: BootstrappingParameters, phase: KeyPhase = 'all'): NetworkKeyPlan {
  const ctx = net.context;
  const N = ctx.ringDegree;
  if (bootstrapping !== undefined) ctx.assertSameParameters(bootstrapping.context, 'planNetworkKeys');
  const bootPhase = phase === 'refresh' || isBootstrapPart(phase);
  if (bootPhase && bootstrapping === undefined) throw new RangeError(`planNetworkKeys: the ${phase} phase needs the bootstrapping parameters`);
  const withNetwork = !bootPhase;
  const withBootstrap = phase === 'all' || bootPhase ? bootstrapping : undefined;
  const part: NetworkPart = bootPhase ? 'all' : phase;
  const networkLevels = new Map<number, number>();
  if (withNetwork) {
    for (const [step, level] of net.rotationKeyLevels(part)) {
      const e = galoisElementForRotation(step, N);
      if (e !== 1) networkLevels.set(e, Math.max(networkLevels.get(e) ?? -1, level));
    }
    const conj = net.conjugationLevel(part);
    if (conj !== undefined) networkLevels.set(conjugationElement(N), Math.max(networkLevels.get(conjugationElement(N)) ?? -1, conj));
  }
  bootstrapping = withBootstrap;
  const bootLevels = bootstrapping === undefined ? new Map<number, number>()
    : bootstrapKeyLevels(bootstrapping, isBootstrapPart(phase) ? phase : 'all');
  const bytesAt = (level: number): number => levelledKeyBytes(ctx, level).plain;
  const elements = [...new Set([...networkLevels.keys(), ...bootLevels.keys()])].sort((a, b) => a - b);
  let unshared = 0;
  const galoisKeys = elements.map((e): PlannedGaloisKey => {
    const a = networkLevels.get(e);
    const b = bootLevels.get(e);
    if (a !== undefined) unshared += bytesAt(a);
    if (b !== undefined) unshared += bytesAt(b);
    const level = Math.max(a ?? -1, b ?? -1);
    return { galoisElement: e, level, usedBy: a === undefined ? 'bootstrap' : b === undefined ? 'network' : 'both', bytes: bytesAt(level) };
  });
  const netRelin = withNetwork ? net.relinearizationLevel(part) : -1;
  const relinearizationLevel = Math.max(netRelin, bootstrapping?.levels.evalMod ?? -1, 0);
  unshared += (netRelin >= 0 ? bytesAt(netRelin) : 0) + (bootstrapping === undefined ? 0 : bytesAt(bootstrapping.levels.evalMod));
  const h = bootstrapping?.ephemeralHammingWeight ?? 0;
  const p = ctx.params;
  const encapsulation = h > 0 ? 2 * 2 * N * 8 + 2 * (p.Q.length + p.P.length) * N * 8 : 0;
  const sum = (who: PlannedGaloisKey['usedBy']) => galoisKeys.filter((k) => k.usedBy === who).reduce((s, k) => s + k.bytes, 0);
  const relin = bytesAt(relinearizationLevel);
  const total = galoisKeys.reduce((s, k) => s + k.bytes, 0) + relin + encapsulation;
  return Object.freeze({
    context: ctx,
    galoisKeys: Object.freeze(galoisKeys),
    relinearizationLevel,
    ephemeralHammingWeight: h,
    bytes: Object.freeze({
      network: sum('network'), bootstrap: sum('bootstrap'), shared: sum('both'), relinearization: relin, encapsulation,
      total, totalSeeded: total / 2 + 32 * (galoisKeys.length + 1),
    }),
    unsharedBytes: unshared + encapsulation,
  });
}

/** The evaluation keys of a plan: no secret key in here. */
export interface NetworkEvaluationKeys {
  readonly relinearizationKey: RelinearizationKey;
  readonly galoisKeys: Map<number, GaloisKey>;
  readonly encapsulationKeys: EncapsulationKeys | undefined;
}

/**
 * Client side: generates exactly the keys of `plan` from the secret key. `onKey(done, total)` reports progress
 * (a key at N = 2^16 takes about half a second to a second).
 */
export function generateNetworkKeys(plan: NetworkKeyPlan, sk: SecretKey,
  options: { random?: RandomSource; onKey?: (done: number, total: number) => void } = {}): NetworkEvaluationKeys {
  const ctx = plan.context;
  ctx.assertSameParameters(sk.context, 'generateNetworkKeys');
  const total = plan.galoisKeys.length + 1;
  const galoisKeys = new Map<number, GaloisKey>();
  plan.galoisKeys.forEach((k, i) => {
    galoisKeys.set(k.galoisElement, levelledGaloisKey(ctx, sk, k.galoisElement, k.level, options.random));
    options.onKey?.(i + 1, total);
  });
  const relinearizationKey = levelledRelinearizationKey(ctx, sk, plan.relinearizationLevel, options.random);
  options.onKey?.(total, total);
  const encapsulationKeys = plan.ephemeralHammingWeight > 0
    ? generateEncapsulationKeys(ctx, sk, { hammingWeight: plan.ephemeralHammingWeight, ...(options.random === undefined ? {} : { random: options.random }) })
    : undefined;
  return { relinearizationKey, galoisKeys, encapsulationKeys };
}
