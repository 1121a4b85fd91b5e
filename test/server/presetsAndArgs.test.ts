// The service's presets (src/server/presets.ts) and its command line (src/server/main.ts, run as `npm run serve` runs
// it): the secure preset is the trained CFNet4 at CRYPTOFACE_N16 and is the default; the INSECURE test preset is
// only used when named; bad arguments exit with code 2 and the usage text, before anything is built.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadWeights } from '../../src/face/weights.js';
import { modelId } from '../../src/face/protocol/faceSetup.js';
import { insecureTestPreset } from '../../src/face/testing/insecureTestPreset.js';
import { loadPreset, type PresetName } from '../../src/server/presets.js';
import { repositoryRoot, serverScript } from './serverProcess.js';

describe('service presets and command line', () => {
  it('secure: the trained CFNet4 from models/ at the default parameter set, described by its weight files', () => {
    const p = loadPreset('secure', repositoryRoot);
    expect(p.description).toEqual({ parameterSet: 'CRYPTOFACE_N16', weights: { manifest: '/models/cfnet4/weights.json', binary: '/models/cfnet4/weights.bin' }, options: {}, insecure: false });
    expect(p.options).toEqual({}); // FaceSetup's defaults: CRYPTOFACE_N16, patch 32
    const dir = join(repositoryRoot, 'models', 'cfnet4');
    const direct = loadWeights(readFileSync(join(dir, 'weights.json'), 'utf8'), readFileSync(join(dir, 'weights.bin')));
    expect(modelId(p.weights)).toBe(modelId(direct));
  });

  it('test: the INSECURE preset, the same weights as insecureTestPreset() (same model id), marked insecure', () => {
    const p = loadPreset('test', repositoryRoot);
    expect(p.description).toMatchObject({ parameterSet: 'insecureTestPreset', module: '/lib/face/testing/insecureTestPreset.js', insecure: true });
    expect(p.options.set?.params.insecure).toBe(true);
    expect(modelId(p.weights)).toBe(modelId(insecureTestPreset().weights));
    expect(() => loadPreset('fast' as PresetName, repositoryRoot)).toThrow(RangeError);
  });

  it('bad arguments: exit code 2 with the usage text; --help: exit 0', () => {
    const run = (...args: string[]) => spawnSync(process.execPath, [serverScript(), ...args], { encoding: 'utf8', timeout: 30_000 });
    for (const args of [[], ['--data'], ['--data', '/tmp/x', '--preset', 'fast'], ['--data', '/tmp/x', '--port', '70000'], ['--data', '/tmp/x', '--threads', '0'], ['--data', '/tmp/x', '--bogus', '1'], ['stray']]) {
      const r = run(...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toContain('usage: npm run serve');
      expect(r.stdout).toBe('');
    }
    const help = run('--help');
    expect([help.status, help.stderr.includes('--preset NAME')]).toEqual([0, true]);
  });
});
