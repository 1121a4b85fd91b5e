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

/** Keys and bytes of a bootstrapping configuration. */
export interface BootstrappingKeyReport {
  /** Rotation steps to pass to `KeyGenerator.galoisKeys(sk, rotationSteps, true)` (with conjugation). */
  readonly rotationSteps: readonly number[];
  /** The exact Galois elements (rotations and conjugation, 2N − 1), ascending. */
  readonly galoisElements: readonly number[];
  /** Number of switching keys: Galois keys + the relinearisation key + the two encapsulation keys (if any). */
  readonly keyCount: number;
  /** Bytes of one Galois (or relinearisation) key: 2·dnum·(#Q + #P)·N·8, and seeded (b only + 32-byte seed). */
  readonly bytesPerKey: { readonly plain: number; readonly seeded: number };
  /** Bytes of the encapsulation keys (0 without encapsulation). */
  readonly encapsulationBytes: { readonly plain: number; readonly seeded: number };
  /** All keys together. */
  readonly bytes: { readonly plain: number; readonly seeded: number };
}

/** Rotation steps of the BSGS plans of a list of matrices (what LinearTransform.rotationSteps will return). */
export function planRotationSteps(matrices: readonly DiagonalMatrix[]): number[] {
  const steps = new Set<number>();
  for (const m of matrices) {
    const plan = planBsgs([...m.diagonals.keys()], m.slots);
    for (const s of [...plan.babySteps, ...plan.giantSteps]) steps.add(s);
  }
  return [...steps].sort((a, b) => a - b);
}

/** The key report for the given paths (computed from the float64 matrices; no key, no encoding). */
export function bootstrappingKeyReport(params: BootstrappingParameters, paths: readonly BootstrapPath[]): BootstrappingKeyReport {
  const p = params.context.params;
  const N = p.ringDegree;
  const steps = new Set<number>(subSumSteps(params));
  for (const path of new Set(paths)) {
    const m = dftMatrices(params, path);
    for (const s of planRotationSteps([...m.coeffsToSlots, ...m.slotsToCoeffs])) steps.add(s);
  }
  const elements = new Set<number>([...steps].map((s) => galoisElementForRotation(s, N)));
  elements.delete(1);
  elements.add(conjugationElement(N));
  const limbs = p.Q.length + p.P.length;
  const perKey = { plain: 2 * p.dnum * limbs * N * 8, seeded: p.dnum * limbs * N * 8 + 32 };
  const enc = params.ephemeralHammingWeight > 0
    ? { plain: 2 * 2 * N * 8 + 2 * limbs * N * 8, seeded: 2 * N * 8 + limbs * N * 8 + 64 }
    : { plain: 0, seeded: 0 };
  const switching = elements.size + 1;
  return {
    rotationSteps: [...steps].sort((a, b) => a - b),
    galoisElements: [...elements].sort((a, b) => a - b),
    keyCount: switching + (params.ephemeralHammingWeight > 0 ? 2 : 0),
    bytesPerKey: perKey,
    encapsulationBytes: enc,
    bytes: { plain: switching * perKey.plain + enc.plain, seeded: switching * perKey.seeded + enc.seeded },
  };
}
