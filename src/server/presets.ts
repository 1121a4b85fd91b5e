/**
 * The two configurations the service runs (Node only), and what `GET /api/setup` tells a browser so that it builds the
 * identical `FaceSetup` (docs/server.md):
 *   - `secure`: CRYPTOFACE_N16 (N = 2^16, 128-bit) with the trained CFNet4 of models/cfnet4;
 *   - `test`: INSECURE — the reduced random network at N = 2^11 of src/face/testing/insecureTestPreset.ts, for CI and
 *     demos only; the server starts it only when asked for by name and says so on every start.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadWeights } from '../face/weights.js';
import type { FaceSetupOptions, FaceWeights } from '../face/protocol/faceSetup.js';
import { insecureTestPreset } from '../face/testing/insecureTestPreset.js';

export type PresetName = 'secure' | 'test';

/** What a browser needs to rebuild the setup: where the weights are, which parameter set, which options. */
export type SetupDescription =
  | { readonly parameterSet: 'CRYPTOFACE_N16'; readonly weights: { readonly manifest: string; readonly binary: string }; readonly options: Record<string, never>; readonly insecure: false }
  | { readonly parameterSet: 'insecureTestPreset'; readonly module: string; readonly export: 'insecureTestPreset'; readonly insecure: true };

export interface LoadedPreset {
  readonly weights: FaceWeights;
  readonly options: Omit<FaceSetupOptions, 'pool'>;
  readonly description: SetupDescription;
}

/** Loads a preset's weights; `root` is the package directory (models/ below it). */
export function loadPreset(name: PresetName, root: string): LoadedPreset {
  if (name === 'test') {
    const p = insecureTestPreset();
    return {
      weights: p.weights,
      options: p.options,
      description: { parameterSet: 'insecureTestPreset', module: '/lib/face/testing/insecureTestPreset.js', export: 'insecureTestPreset', insecure: true },
    };
  }
  if (name !== 'secure') throw new RangeError(`unknown preset ${String(name)}`);
  const dir = join(root, 'models', 'cfnet4');
  const weights = loadWeights(readFileSync(join(dir, 'weights.json'), 'utf8'), readFileSync(join(dir, 'weights.bin')));
  return {
    weights,
    options: {},
    description: { parameterSet: 'CRYPTOFACE_N16', weights: { manifest: '/models/cfnet4/weights.json', binary: '/models/cfnet4/weights.bin' }, options: {}, insecure: false },
  };
}
