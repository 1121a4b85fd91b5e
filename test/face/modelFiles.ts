// Test helper: reads the committed CFNet4 weights and PyTorch reference outputs (models/cfnet4, or another
// model directory in the same format, e.g. models/cfnet4-next) with node:fs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const MODEL_DIR = join(import.meta.dirname, '..', '..', 'models', 'cfnet4');

export function readModel(dir: string = MODEL_DIR): { manifestText: string; binary: Uint8Array } {
  return { manifestText: readFileSync(join(dir, 'weights.json'), 'utf8'), binary: new Uint8Array(readFileSync(join(dir, 'weights.bin'))) };
}

export interface ReferenceSet {
  count: number;
  inputs: Uint8Array[];
  distancesPoly: number[][];
  get(name: string): Float64Array;
  shape(name: string): number[];
}

interface RefEntry {
  name: string;
  shape: number[];
  offset: number;
  length: number;
}

export function readReference(modelDir: string = MODEL_DIR): ReferenceSet {
  const dir = join(modelDir, 'reference');
  const meta = JSON.parse(readFileSync(join(dir, 'reference.json'), 'utf8')) as {
    inputs: { shape: number[] };
    distancesPoly: number[][];
    tensors: RefEntry[];
  };
  const bin = readFileSync(join(dir, 'reference.bin'));
  const view = new DataView(bin.buffer, bin.byteOffset, bin.byteLength);
  const u8 = new Uint8Array(readFileSync(join(dir, 'inputs.u8')));
  const count = meta.inputs.shape[0]!;
  const per = 112 * 112 * 3;
  const byName = new Map(meta.tensors.map((t) => [t.name, t]));
  return {
    count,
    inputs: Array.from({ length: count }, (_, k) => u8.subarray(k * per, (k + 1) * per)),
    distancesPoly: meta.distancesPoly,
    get(name) {
      const t = byName.get(name);
      if (!t) throw new Error(`no reference tensor ${name}`);
      return Float64Array.from({ length: t.length }, (_, i) => view.getFloat32(t.offset + 4 * i, true));
    },
    shape(name) {
      return byName.get(name)?.shape ?? [];
    },
  };
}

/** max |a − b| / max |b|. */
export function maxRelError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i]! - b[i]!));
    den = Math.max(den, Math.abs(b[i]!));
  }
  return den === 0 ? num : num / den;
}
