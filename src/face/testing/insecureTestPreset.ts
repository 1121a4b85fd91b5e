/**
 * INSECURE, FOR TESTS ONLY: the reduced network of the protocol test (reducedNetwork.ts: channels 4-4-8-8-16-16, 2×2
 * patches of 16×16, random weights, seed 5, gain 1.6) on the CryptoFace chain at N = 2^11 (`insecure: true`, a real
 * full-slot bootstrap), with a normalisation polynomial fitted to three deterministic inputs and τ halfway between
 * their genuine and impostor distances. The same function gives every party the same weights, hence the same model
 * id: the key holder (a test, the browser page) and the HTTP service (`--preset test`) derive identical `FaceSetup`s
 * from it. It recognises nobody and protects nothing; the service refuses it unless asked for by name.
 *
 *   const preset = insecureTestPreset();
 *   const setup = FaceSetup.create(preset.weights, { ...preset.options, pool });
 *   client.encryptPatches(preset.faces.alice);                 // or preset.patchesFromCrop(rgb112)
 */
import type { Tensor3 } from '../../nn/tensor.js';
import { cryptofaceParameterSet } from '../encrypted/cryptofaceParameters.js';
import { patchForward } from '../model.js';
import { fitNormPolynomial, normalizePoly, squaredDistance, squaredNorm } from '../normalize.js';
import { FACE_SIZE, preprocessFace } from '../preprocess.js';
import type { FaceSetupOptions, FaceWeights } from '../protocol/faceSetup.js';
import { deterministicRandom, reducedNetwork } from './reducedNetwork.js';

/** Patch side and grid of the reduced network: a 32×32 input cut into 2×2 patches of 16×16. */
export const TEST_PRESET_PATCH = 16;
export const TEST_PRESET_GRID = 2;

export interface InsecureTestPreset {
  /** Network weights, normalisation polynomial and τ. */
  readonly weights: FaceWeights;
  /** Everything `FaceSetup.create` needs besides the weights (add a `pool` if wanted). */
  readonly options: Required<Pick<FaceSetupOptions, 'set' | 'bound' | 'patchSize'>>;
  /** Three deterministic inputs: `aliceProbe` is close to `alice` (genuine), `bob` far from both (impostor). */
  readonly faces: { readonly alice: readonly Tensor3[]; readonly aliceProbe: readonly Tensor3[]; readonly bob: readonly Tensor3[] };
  /** The float64 twin of the encrypted network: y = Σ_p patchForward(p). */
  embed(patches: readonly Tensor3[]): Float64Array;
  /** The plaintext verdict the encrypted pipeline must reproduce: ‖n(y_a) − n(y_b)‖² (n the polynomial normalisation). */
  distance(a: readonly Tensor3[], b: readonly Tensor3[]): number;
  /** An aligned 112×112 RGB crop → the reduced network's four 16×16 patches (resized to 32×32 first). */
  patchesFromCrop(rgb: Uint8Array): Tensor3[];
}

/** A deterministic synthetic input of the reduced network (four 3×16×16 patches with values in [−1, 1)). */
export function testPresetInputs(seed: number): Tensor3[] {
  const r = deterministicRandom(seed);
  const n = 3 * TEST_PRESET_PATCH * TEST_PRESET_PATCH;
  return Array.from({ length: TEST_PRESET_GRID ** 2 }, () => ({ c: 3, h: TEST_PRESET_PATCH, w: TEST_PRESET_PATCH, data: Float64Array.from({ length: n }, r) }));
}

/** Builds the preset (milliseconds; deterministic). */
export function insecureTestPreset(): InsecureTestPreset {
  const net = reducedNetwork({ grid: TEST_PRESET_GRID, channels: [4, 4, 8, 8, 16, 16] }, 5, 1.6);
  const embed = (patches: readonly Tensor3[]): Float64Array => {
    const y = new Float64Array(net.fcBias.length);
    patches.forEach((x, p) => patchForward(net.patches[p]!, net.fcBias, x, () => undefined).forEach((v, j) => { y[j] = y[j]! + v; }));
    return y;
  };
  const faces = { alice: testPresetInputs(101), aliceProbe: testPresetInputs(202), bob: testPresetInputs(303) };
  // the polynomial is fitted to these inputs' norms, as the trained model's is fitted to its training norms
  const ys = [faces.alice, faces.bob, faces.aliceProbe].map(embed);
  const norms = ys.map(squaredNorm);
  const lo = Math.min(...norms), hi = Math.max(...norms), mid = (lo + hi) / 2;
  const poly = fitNormPolynomial(mid, Math.max(hi, mid * 1.05), Math.min(lo, mid * 0.95));
  const [na, nb, np] = ys.map((y) => normalizePoly(y, poly)) as [Float64Array, Float64Array, Float64Array];
  const tau = (squaredDistance(np, na) + squaredDistance(np, nb)) / 2;
  const weights: FaceWeights = { ...net, normalization: poly, tau };
  return {
    weights,
    options: { set: cryptofaceParameterSet({ logN: 11, logSlots: 10, insecure: true }), bound: 8, patchSize: TEST_PRESET_PATCH },
    faces,
    embed,
    distance: (a, b) => squaredDistance(normalizePoly(embed(a), poly), normalizePoly(embed(b), poly)),
    patchesFromCrop: (rgb) => {
      if (!(rgb instanceof Uint8Array) || rgb.length !== FACE_SIZE * FACE_SIZE * 3) throw new RangeError(`patchesFromCrop: expected a ${FACE_SIZE}×${FACE_SIZE} RGB crop`);
      const side = TEST_PRESET_GRID * TEST_PRESET_PATCH;
      const x = preprocessFace(rgb, side);
      const P = TEST_PRESET_PATCH;
      const out: Tensor3[] = [];
      for (let r = 0; r < TEST_PRESET_GRID; r++) {
        for (let c = 0; c < TEST_PRESET_GRID; c++) {
          const d = new Float64Array(3 * P * P);
          for (let ch = 0; ch < 3; ch++) {
            for (let i = 0; i < P; i++) d.set(x.data.subarray(ch * side * side + (r * P + i) * side + c * P, ch * side * side + (r * P + i) * side + c * P + P), (ch * P + i) * P);
          }
          out.push({ c: 3, h: P, w: P, data: d });
        }
      }
      return out;
    },
  };
}
