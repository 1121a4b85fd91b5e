// The weights loader accepts the committed CFNet4 files and rejects truncated, padded, mutated (checksum),
// shape-mismatched, incomplete and foreign files with a FaceModelError carrying a stable code.
// Also checks the pure-TS SHA-256 against node:crypto (exact).
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FaceModelError, expectedTensors, loadWeights, sha256Hex, type FaceModelErrorCode } from '../../src/face/index.js';
import { readModel } from './modelFiles.js';

const { manifestText, binary } = readModel();

function expectCode(fn: () => unknown, code: FaceModelErrorCode): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(FaceModelError);
    expect((e as FaceModelError).code).toBe(code);
    return;
  }
  expect.unreachable(`expected FaceModelError ${code}`);
}

type Manifest = { tensors: Array<{ name: string; shape: number[]; offset: number; length: number }>; [k: string]: unknown };
const edit = (f: (m: Manifest) => void): string => {
  const m = JSON.parse(manifestText) as Manifest;
  f(m);
  return JSON.stringify(m);
};

describe('loadWeights', () => {
  it('loads the committed CFNet4 weights from text, bytes or an object', () => {
    const w = loadWeights(manifestText, binary);
    expect(w.variant).toBe('CFNet4');
    expect(w.patches).toHaveLength(4);
    expect(w.patches[0]!.blocks[1]!.shortcut?.conv.outC).toBe(32);
    expect(loadWeights(new TextEncoder().encode(manifestText), binary).tau).toBe(w.tau);
    expect(loadWeights(JSON.parse(manifestText) as object, binary).fcBias).toEqual(w.fcBias);
    expect(expectedTensors('CFNet9')).toHaveLength(9 * 54 + 1);
  });

  it('rejects truncated or padded binaries (CORRUPT_WEIGHTS)', () => {
    expectCode(() => loadWeights(manifestText, binary.subarray(0, binary.length - 4)), 'CORRUPT_WEIGHTS');
    expectCode(() => loadWeights(manifestText, binary.subarray(0, 1000)), 'CORRUPT_WEIGHTS');
    const padded = new Uint8Array(binary.length + 8);
    padded.set(binary);
    expectCode(() => loadWeights(manifestText, padded), 'CORRUPT_WEIGHTS');
  });

  it('rejects a single flipped bit anywhere (checksum, CORRUPT_WEIGHTS)', () => {
    for (const pos of [0, 12345, binary.length - 1]) {
      const m = binary.slice();
      m[pos] = m[pos]! ^ 0x10;
      expectCode(() => loadWeights(manifestText, m), 'CORRUPT_WEIGHTS');
    }
  });

  it('rejects invalid JSON (CORRUPT_WEIGHTS) and foreign formats/versions/variants (UNSUPPORTED_WEIGHTS)', () => {
    expectCode(() => loadWeights(manifestText.slice(0, 200), binary), 'CORRUPT_WEIGHTS');
    expectCode(() => loadWeights(edit((m) => (m['format'] = 'onnx')), binary), 'UNSUPPORTED_WEIGHTS');
    expectCode(() => loadWeights(edit((m) => (m['version'] = 2)), binary), 'UNSUPPORTED_WEIGHTS');
    expectCode(() => loadWeights(edit((m) => (m['variant'] = 'CFNet25')), binary), 'UNSUPPORTED_WEIGHTS');
  });

  it('rejects shape-mismatched, missing or renamed tensors (MISMATCHED_WEIGHTS)', () => {
    // Same bytes, same length per tensor, but a transposed shape: only the architecture check can catch it.
    expectCode(() => loadWeights(edit((m) => (m.tensors.find((t) => t.name === 'p0.block1.conv1.weight')!.shape = [16, 32, 3, 3])), binary), 'MISMATCHED_WEIGHTS');
    expectCode(() => loadWeights(edit((m) => (m.tensors[5]!.name = 'p0.block9.conv1.weight')), binary), 'MISMATCHED_WEIGHTS');
    expectCode(() => loadWeights(edit((m) => (m['variant'] = 'CFNet9')), binary), 'MISMATCHED_WEIGHTS');
    expectCode(() => loadWeights(edit((m) => (m.tensors[3]!.shape = [7])), binary), 'MISMATCHED_WEIGHTS');
    expectCode(() => loadWeights(edit((m) => (m['patches'] = 9)), binary), 'MISMATCHED_WEIGHTS');
  });

  it('sha256Hex equals node:crypto on awkward lengths', () => {
    for (const n of [0, 1, 55, 56, 63, 64, 65, 119, 120, 1000, 100_003]) {
      const b = Uint8Array.from({ length: n }, (_, i) => (i * 31 + 7) & 255);
      expect(sha256Hex(b)).toBe(createHash('sha256').update(b).digest('hex'));
    }
  });
});
