// A consumer's view: `import … from 'cryptoface/ckks'` resolves through the exports map to built files
// with type declarations. Runs a separate Node process so that Node's own resolver is exercised.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');

describe('package exports', () => {
  it('cryptoface/ckks resolves to dist with .d.ts types and works', () => {
    if (!existsSync(join(root, 'dist', 'ckks', 'index.js'))) {
      execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: root });
    }
    expect(existsSync(join(root, 'dist', 'ckks', 'index.d.ts'))).toBe(true);
    const script = "const m = await import('cryptoface/ckks'); const [q] = m.generateNttPrimes(40, 1, 1024); console.log(String(m.isPrime(q)));";
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
    expect(out.trim()).toBe('true');
  });
});
