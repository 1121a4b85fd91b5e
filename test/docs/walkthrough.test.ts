// The "CKKS in 10 minutes" page runs: its code block is the example file verbatim, and the example's results
// match float64 within 2^-20 (secure N = 2^13 parameters; three levels used).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { walkthrough } from '../../examples/ckksIn10Minutes.js';

const root = join(import.meta.dirname, '..', '..');

describe('docs/ckks-in-10-minutes.md', () => {
  it('embeds examples/ckksIn10Minutes.ts verbatim', () => {
    const doc = readFileSync(join(root, 'docs', 'ckks-in-10-minutes.md'), 'utf8');
    const code = readFileSync(join(root, 'examples', 'ckksIn10Minutes.ts'), 'utf8');
    expect(doc).toContain(code.trim());
  });
  it('computes x·y + 0.5·x and a rotation correctly (secure N = 2^13, tolerance 2^-20)', () => {
    const { result, rotated, bytes } = walkthrough();
    const want = [1 * 0.5 + 0.5, 2 * 0.25 + 1, 3 * -1 + 1.5, 4 * 2 + 2];
    result.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThan(2 ** -20));
    [2, 3, 4, 0].forEach((w, i) => expect(Math.abs(rotated[i]! - w)).toBeLessThan(2 ** -20));
    expect(bytes).toBeGreaterThan(2 * 3 * 8192 * 8);
  });
});
