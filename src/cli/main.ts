#!/usr/bin/env node
/**
 * `npx cryptoface …`: the command-line entry (commands.ts). Exit codes: 0 done, 1 failed (the error, naming the
 * file when a file is at fault), 2 usage error.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { ThreadPool } from '../ckks/parallel/index.js';
import { loadWeights } from '../face/weights.js';
import { USAGE, UsageError, parseArgs, run } from './commands.js';
import { exposeGarbageCollector } from './gc.js';

exposeGarbageCollector(); // the face server collects between key phases (src/cli/gc.ts)

const log = (line: string) => process.stderr.write(`${line}\n`);

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    if (e instanceof UsageError) {
      log(`cryptoface: ${e.message}\n${USAGE}`);
      return 2;
    }
    throw e;
  }
  const models = fileURLToPath(new URL('../../models/cfnet4/', import.meta.url));
  const weights = loadWeights(readFileSync(`${models}weights.json`, 'utf8'), readFileSync(`${models}weights.bin`));
  const pool = await ThreadPool.create({ threads: args.threads ?? availableParallelism() });
  try {
    return await run(args, { weights, pool, log });
  } finally {
    pool.dispose();
  }
}

main().then((code) => { process.exitCode = code; }, (e: unknown) => {
  log(`cryptoface: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
