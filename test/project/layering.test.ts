// Project rules checked mechanically: layer imports (ckks ← nn ← face ← cli ← server), no runtime dependencies,
// no Node-only imports in the library (src/cli, the command-line tool, and src/server, the HTTP service, are the
// places allowed `node:` built-ins, and the library imports neither), files under ~600 lines.
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..', '..');

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

const IMPORT = /(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(IMPORT)].map((m) => m[1] ?? m[2] ?? '');
}

describe('project rules', () => {
  const files = sourceFiles(join(root, 'src'));
  it('layers: ckks imports nothing above it, nn only ckks, face only ckks and nn, cli and server (Node only) any of them', () => {
    const allowed: Record<string, string[]> = {
      ckks: ['ckks'], nn: ['ckks', 'nn'], face: ['ckks', 'nn', 'face'], cli: ['ckks', 'nn', 'face', 'cli'], server: ['ckks', 'nn', 'face', 'cli', 'server'],
    };
    for (const f of files) {
      const layer = relative(join(root, 'src'), f).split(/[\\/]/)[0]!;
      for (const spec of importsOf(f)) {
        if ((layer === 'cli' || layer === 'server') && spec.startsWith('node:')) continue;
        expect(spec.startsWith('.'), `${relative(root, f)} imports the package ${spec}`).toBe(true);
        const target = relative(join(root, 'src'), join(f, '..', spec)).split(/[\\/]/)[0]!;
        expect(allowed[layer] ?? [], `${relative(root, f)} imports ${spec}`).toContain(target);
      }
    }
  });
  it('no runtime dependencies in package.json', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    expect(Object.keys(pkg.dependencies ?? {})).toEqual([]);
  });
  it('library files stay under ~600 lines', () => {
    for (const f of files) expect(readFileSync(f, 'utf8').split('\n').length, relative(root, f)).toBeLessThanOrEqual(620);
  });
});
