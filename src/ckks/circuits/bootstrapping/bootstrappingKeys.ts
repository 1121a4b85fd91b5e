/**
 * What a bootstrapping configuration needs before any key is generated: the DFT matrices of each path (float64,
 * cheap), the exact rotation steps and Galois elements of their BSGS plans (the linear-transform key planner) plus
 * SubSum's and conjugation, and the bytes of all switching keys, plain and seeded.
 *
 * Paths (see bootstrapper.ts): 'real' runs CoeffsToSlots on n slots, keeps the real part (conjugate-and-add), one
 * EvalMod, SlotsToCoeffs with slot 0 halved, and a final conjugate-and-add; 'complex' keeps both parts: on 2n
 * slots in one ciphertext when n < N/2 (repack layout), as two EvalMods when n = N/2.
 */
import { conjugationElement, galoisElementForRotation } from '../../ring/automorphism.js';
import type { RandomSource } from '../../ring/randomSource.js';
import type { GaloisKey, RelinearizationKey, SecretKey } from '../../scheme/keys.js';
import { levelledGaloisKey, levelledKeyBytes, levelledRelinearizationKey } from '../../scheme/levelledKeys.js';
import { type EncapsulationKeys, generateEncapsulationKeys } from '../../scheme/sparseSecretEncapsulation.js';
import type { DiagonalMatrix } from '../linearTransform/diagonals.js';
import { planBsgs } from '../linearTransform/linearTransform.js';
import type { BootstrappingParameters } from './bootstrappingParameters.js';
import { type ComplexArray, coeffsToSlotsMatrices, dftSpace, slotsToCoeffsMatrices } from './dftFactorization.js';

/** The two ways of bootstrapping: real slots only (one EvalMod), or complex slots. */
export type BootstrapPath = 'real' | 'complex';

/** The float64 matrices of one path. */
export interface DftMatrices {
  readonly layout: 'standard' | 'repack';
  /** Slots the matrices act on (n, or 2n for the repack layout). */
  readonly space: number;
  /** CoeffsToSlots, in order of application. */
  readonly coeffsToSlots: readonly DiagonalMatrix[];
  /** SlotsToCoeffs, in order of application. */
  readonly slotsToCoeffs: readonly DiagonalMatrix[];
}

/** The layout a path uses: repack for complex sparse slots, standard otherwise. */
export function pathLayout(params: BootstrappingParameters, path: BootstrapPath): 'standard' | 'repack' {
  return path === 'complex' && params.slots < params.context.params.maxSlots ? 'repack' : 'standard';
}

/**
 * The CoeffsToSlots scaling: S/(q_0·B) (slot values y = t/(q_0·B) at the EvalMod scale S), times 2n/N to undo
 * SubSum, times 1/2 for the conjugate-and-add that follows.
 */
export function coeffsToSlotsScaling(params: BootstrappingParameters): number {
  const q0 = Number(params.context.params.Q[0]!);
  return (params.evalModScale / (q0 * params.evalMod.inputDivisor)) * ((2 * params.slots) / params.context.ringDegree) * 0.5;
}

/** The DFT matrices of a path (float64; SlotsToCoeffs is the plain decoding map V, EvalMod's factor makes it so). */
export function dftMatrices(params: BootstrappingParameters, path: BootstrapPath): DftMatrices {
  const layout = pathLayout(params, path);
  const n = params.slots;
  const space = dftSpace({ slots: n, layout });
  let inputScaling: ComplexArray | undefined;
  if (path === 'real') {
    // the real path rebuilds m from its first n coefficients as v + σ(v) with v = m_0/2 + Σ_{0<k<n} m_k·Y^k
    inputScaling = { re: new Float64Array(space).fill(1), im: new Float64Array(space) };
    inputScaling.re[0] = 0.5;
  }
  return {
    layout,
    space,
    coeffsToSlots: coeffsToSlotsMatrices({ slots: n, levels: params.coeffsToSlotsLevels, layout, scaling: coeffsToSlotsScaling(params) }),
    slotsToCoeffs: slotsToCoeffsMatrices({ slots: n, levels: params.slotsToCoeffsLevels, layout, ...(inputScaling === undefined ? {} : { inputScaling }) }),
  };
}

/** SubSum's rotations n·2^i, i < log2(N/2n) (none for full slots). */
export function subSumSteps(params: BootstrappingParameters): number[] {
  const out: number[] = [];
  for (let s = params.slots; s < params.context.params.maxSlots; s *= 2) out.push(s);
  return out;
}

/** One switching key of the report: its Galois element (0 for the relinearisation key), the highest level it is used at. */
export interface KeyRequirement {
  readonly galoisElement: number;
  readonly level: number;
  readonly bytes: { readonly plain: number; readonly seeded: number };
}

/** Keys and bytes of a bootstrapping configuration. */
export interface BootstrappingKeyReport {
  /** Rotation steps of all the Galois keys (conjugation not included: it is `conjugationElement(N)`). */
  readonly rotationSteps: readonly number[];
  /** The exact Galois elements (rotations and conjugation, 2N − 1), ascending. */
  readonly galoisElements: readonly number[];
  /** Every switching key (Galois keys by element, then the relinearisation key as element 0) with its level. */
  readonly keys: readonly KeyRequirement[];
  /** Number of switching keys: Galois keys + the relinearisation key + the two encapsulation keys (if any). */
  readonly keyCount: number;
  /** Bytes of the encapsulation keys (0 without encapsulation). */
  readonly encapsulationBytes: { readonly plain: number; readonly seeded: number };
  /** All keys together, each restricted to the levels it is used at (as `generateBootstrappingKeys` makes them). */
  readonly bytes: { readonly plain: number; readonly seeded: number };
  /** The same keys over the whole chain (as `KeyGenerator` makes them). */
  readonly fullLevelBytes: { readonly plain: number; readonly seeded: number };
}

/**
 * The baby-step stride minimising babies + giantStepCost·giants. In the double-hoisted transforms a baby step is one
 * key inner product on the shared decomposition (and two automorphisms); a giant step needs its own decomposition
 * (inverse NTTs, a ModUp and forward NTTs of dnum·(ℓ + k) limbs), a ModDown of c_1 and an inner product. Measured
 * on one CoeffsToSlots stage of the Lattigo-mirror chain at N = 2^13 (7b + 1g: 517 ms, 3b + 3g: 642 ms,
 * 1b + 7g: 1068 ms): baby ≈ 29 ms, giant ≈ 121 ms, so a cost of 4 minimises time; but more baby steps also mean
 * more distinct Galois keys (preset 1: 62 keys, 6.95 GB instead of 50 keys, 5.92 GB for ≈ 14% fewer key-switch
 * costs). The default 1 (ties to fewer giants) minimises the key count, like the linear-transform planner.
 */
export function bootstrapBabyStride(m: DiagonalMatrix, giantStepCost = 1): number {
  const indices = [...m.diagonals.keys()];
  let best = 1;
  let bestCost = Infinity;
  for (let n1 = 1; n1 <= m.slots; n1 *= 2) {
    const plan = planBsgs(indices, m.slots, { babyStride: n1 });
    const cost = plan.babySteps.length + giantStepCost * plan.giantSteps.length + 1e-6 * plan.giantSteps.length;
    if (cost < bestCost) {
      best = n1;
      bestCost = cost;
    }
  }
  return best;
}

/** Rotation steps of the BSGS plans of a list of matrices (what LinearTransform.rotationSteps will return). */
export function planRotationSteps(matrices: readonly DiagonalMatrix[], giantStepCost = 1): number[] {
  const steps = new Set<number>();
  for (const m of matrices) {
    const plan = planBsgs([...m.diagonals.keys()], m.slots, { babyStride: bootstrapBabyStride(m, giantStepCost) });
    for (const s of [...plan.babySteps, ...plan.giantSteps]) steps.add(s);
  }
  return [...steps].sort((a, b) => a - b);
}

/** Galois element → highest level it is used at, for the given paths (rotations of SubSum, CtS, StC; conjugation). */
export function galoisKeyLevels(params: BootstrappingParameters, paths: readonly BootstrapPath[]): Map<number, number> {
  const N = params.context.ringDegree;
  const levels = new Map<number, number>();
  const use = (steps: readonly number[], level: number) => {
    for (const st of steps) {
      const e = galoisElementForRotation(st, N);
      if (e !== 1) levels.set(e, Math.max(levels.get(e) ?? -1, level));
    }
  };
  const { coeffsToSlots: top, evalMod } = params.levels;
  use(subSumSteps(params), top);
  for (const path of new Set(paths)) {
    const m = dftMatrices(params, path);
    m.coeffsToSlots.forEach((mat, i) => use(planRotationSteps([mat], params.giantStepCost), top - i));
    m.slotsToCoeffs.forEach((mat, i) => use(planRotationSteps([mat], params.giantStepCost), params.levels.slotsToCoeffs - i));
  }
  const conj = conjugationElement(N);
  levels.set(conj, Math.max(levels.get(conj) ?? -1, evalMod));
  return levels;
}

/** The key report for the given paths (computed from the float64 matrices; no key, no encoding). */
export function bootstrappingKeyReport(params: BootstrappingParameters, paths: readonly BootstrapPath[]): BootstrappingKeyReport {
  const ctx = params.context;
  const p = ctx.params;
  const N = p.ringDegree;
  const steps = new Set<number>(subSumSteps(params));
  for (const path of new Set(paths)) {
    const m = dftMatrices(params, path);
    for (const st of planRotationSteps([...m.coeffsToSlots, ...m.slotsToCoeffs], params.giantStepCost)) steps.add(st);
  }
  const levels = galoisKeyLevels(params, paths);
  const keys: KeyRequirement[] = [...levels].sort((a, b) => a[0] - b[0]).map(([galoisElement, level]) => ({ galoisElement, level, bytes: levelledKeyBytes(ctx, level) }));
  keys.push({ galoisElement: 0, level: params.levels.evalMod, bytes: levelledKeyBytes(ctx, params.levels.evalMod) });
  const enc = params.ephemeralHammingWeight > 0
    ? { plain: 2 * 2 * N * 8 + 2 * (p.Q.length + p.P.length) * N * 8, seeded: 2 * N * 8 + (p.Q.length + p.P.length) * N * 8 + 64 }
    : { plain: 0, seeded: 0 };
  const sum = (f: (k: KeyRequirement) => number) => keys.reduce((acc, k) => acc + f(k), 0);
  const full = levelledKeyBytes(ctx, p.maxLevel);
  return {
    rotationSteps: [...steps].filter((st) => galoisElementForRotation(st, N) !== 1).sort((a, b) => a - b),
    galoisElements: [...levels.keys()].sort((a, b) => a - b),
    keys,
    keyCount: keys.length + (params.ephemeralHammingWeight > 0 ? 2 : 0),
    encapsulationBytes: enc,
    bytes: { plain: sum((k) => k.bytes.plain) + enc.plain, seeded: sum((k) => k.bytes.seeded) + enc.seeded },
    fullLevelBytes: { plain: keys.length * full.plain + enc.plain, seeded: keys.length * full.seeded + enc.seeded },
  };
}

/** The keys a Bootstrapper needs. */
export interface BootstrappingKeys {
  readonly relinearizationKey: RelinearizationKey;
  readonly galoisKeys: Map<number, GaloisKey>;
  readonly encapsulationKeys: EncapsulationKeys | undefined;
}

/**
 * Generates exactly the keys of the report: each Galois key and the relinearisation key restricted to the levels
 * it is used at (`levelled`, default), or over the whole chain. Keys that the application also uses at higher
 * levels must be generated there separately (a full key serves every level).
 */
export function generateBootstrappingKeys(params: BootstrappingParameters, sk: SecretKey, paths: readonly BootstrapPath[],
  options: { random?: RandomSource; levelled?: boolean } = {}): BootstrappingKeys {
  const ctx = params.context;
  const levelled = options.levelled ?? true;
  const random = options.random;
  const top = ctx.params.maxLevel;
  const galoisKeys = new Map<number, GaloisKey>();
  for (const [e, level] of galoisKeyLevels(params, paths)) galoisKeys.set(e, levelledGaloisKey(ctx, sk, e, levelled ? level : top, random));
  const relinearizationKey = levelledRelinearizationKey(ctx, sk, levelled ? params.levels.evalMod : top, random);
  const encapsulationKeys = params.ephemeralHammingWeight > 0
    ? generateEncapsulationKeys(ctx, sk, { hammingWeight: params.ephemeralHammingWeight, ...(random === undefined ? {} : { random }) })
    : undefined;
  return { relinearizationKey, galoisKeys, encapsulationKeys };
}
