// The command-line tool's argument checks and input handling (no encryption: every case here must fail or finish
// before any key is generated). Bad files are refused with an error naming the file, before minutes of work, and an
// enrolment whose input is bad writes nothing.
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError, parseArgs, run, type Context } from '../../src/cli/commands.js';
import { FaceInputError } from '../../src/face/errors.js';

const work = mkdtempSync(join(tmpdir(), 'cryptoface-cmd-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const face = join(import.meta.dirname, '..', '..', 'assets', 'faces', 'hopper.png');
/** A context whose weights and pool must never be reached. */
const unreachable = new Proxy({}, { get: () => { throw new Error('reached the pipeline'); } });
const ctx: Context = { weights: unreachable as never, pool: unreachable as never, log: () => undefined };

describe('cryptoface command line: arguments', () => {
  it('accepts the documented forms', () => {
    expect(parseArgs(['verify', 'a.png', 'b.png'])).toMatchObject({ command: 'verify', files: ['a.png', 'b.png'], budgetGb: 2 });
    expect(parseArgs(['enrol', 'a.png', '--keys', 'k', '--out', 't.cfms', '--threads', '2'])).toMatchObject({ command: 'enrol', keys: 'k', out: 't.cfms', threads: 2 });
    expect(parseArgs(['verify', 'p.png', 't.cfms', '--keys', 'k'])).toMatchObject({ command: 'verify', keys: 'k' });
    expect(parseArgs(['identify', 'p.png', 'a.cfms', 'b.cfms', '--keys', 'k', '--budget-gb', '0'])).toMatchObject({ command: 'identify', files: ['p.png', 'a.cfms', 'b.cfms'], budgetGb: 0 });
    expect(parseArgs([]).command).toBe('help');
    expect(parseArgs(['--help']).command).toBe('help');
  });

  it('refuses everything else with a usage error', () => {
    for (const argv of [
      ['frobnicate'], ['verify', 'a.png'], ['verify', 'a.png', 'b.png', 'c.png'], ['verify', 'p.png', 't.cfms'],
      ['enrol', 'a.png'], ['enrol', 'a.png', '--keys', 'k'], ['enrol', 'a.jpg', '--keys', 'k', '--out', 'o'],
      ['identify', 'p.png', 'a.cfms'], ['identify', 'p.png', '--keys', 'k'], ['verify', 'a.png', 'b.png', '--threads', '0'],
      ['verify', 'a.png', 'b.png', '--threads', 'x'], ['verify', 'a.png', 'b.png', '--budget-gb', '-1'],
      ['verify', 'a.png', 'b.png', '--color', 'red'], ['verify', 'a.png', 'b.png', '--keys'], ['verify', 'a.png', 'b.png', '--out', 'o'],
    ]) expect(() => parseArgs(argv), argv.join(' ')).toThrow(UsageError);
  });
});

describe('cryptoface command line: inputs are checked before any work', () => {
  it('a missing, non-PNG, truncated or wrong-size file is refused naming the file', async () => {
    const notPng = join(work, 'text.png');
    writeFileSync(notPng, 'hello');
    const truncated = join(work, 'truncated.png');
    writeFileSync(truncated, readFileSync(face).subarray(0, 200));
    const missing = join(work, 'missing.png');
    for (const bad of [notPng, truncated, missing]) {
      let err: unknown;
      try { await run(parseArgs(['verify', face, bad]), ctx); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toContain(bad);
      if (bad !== missing) expect(err).toBeInstanceOf(FaceInputError);
    }
    const missingTemplate = join(work, 'nope.cfms');
    await expect(run(parseArgs(['verify', face, missingTemplate, '--keys', work]), ctx)).rejects.toThrow(missingTemplate);
  });

  it('an enrolment with a bad input writes nothing', async () => {
    const out = join(work, 'template.cfms');
    const bad = join(work, 'bad.png');
    writeFileSync(bad, new Uint8Array(64));
    await expect(run(parseArgs(['enrol', bad, '--keys', join(work, 'keys'), '--out', out]), ctx)).rejects.toThrow(bad);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(join(work, 'keys'))).toBe(false);
  });
});
