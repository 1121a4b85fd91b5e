/**
 * The command-line tool's commands (Node only; `npx cryptoface …`, entry `main.ts`). Both roles run in this process,
 * but they only exchange what the protocol sends (docs/face-pipeline.md): the key holder's directory (`--keys DIR`)
 * holds `secret.key` (mode 0600, never read by the server side) and `eval/` (the evaluation key blobs, which is all
 * the server side reads); templates are protocol messages in files.
 *
 *   cryptoface verify <enrolled.png> <probe.png>               one-shot: fresh keys, enrol, verify
 *   cryptoface enrol <face.png> --keys DIR --out <template>    creates DIR's keys on first use
 *   cryptoface verify <probe.png> <template> --keys DIR
 *   cryptoface identify <probe.png> <template> [<template> …] --keys DIR
 * Options: --threads T (default: all cores), --budget-gb G (encoded weights kept in memory, default 2).
 * Inputs are aligned 112×112 PNG crops (tools/align makes one from any photo). Errors name the file; outputs are
 * written atomically (nothing half-written). At N = 2^16 every command needs ≈ 12 GB and minutes per face.
 */
import { rmSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { directoryKeyStore } from './keyDirectory.js';
import { deserializeSecretKey, serializeSecretKey } from '../ckks/serialization/format.js';
import { KeyGenerator } from '../ckks/scheme/keyGenerator.js';
import type { ThreadPool } from '../ckks/parallel/index.js';
import { FaceClient } from '../face/protocol/client.js';
import { FaceSetup, type FaceWeights } from '../face/protocol/faceSetup.js';
import { FaceServer } from '../face/protocol/server.js';
import type { KeyBlobStore } from '../face/protocol/evaluationKeys.js';
import { readFaceCrop } from './readFaceCrop.js';
import { writeFileAtomic } from './writeFileAtomic.js';

/** A usage error: the message is printed with the usage text, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface ParsedArgs {
  readonly command: 'verify' | 'enrol' | 'identify' | 'help';
  readonly files: readonly string[];
  readonly keys?: string;
  readonly out?: string;
  readonly threads?: number;
  readonly budgetGb: number;
}

const isPng = (f: string) => f.toLowerCase().endsWith('.png');

/** Parses and checks the arguments (no file is read here). */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const files: string[] = [];
  const opts: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--help' || a === '-h') return { command: 'help', files: [], budgetGb: 2 };
    if (a.startsWith('--')) {
      const name = a.slice(2);
      if (!['keys', 'out', 'threads', 'budget-gb'].includes(name)) throw new UsageError(`unknown option ${a}`);
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${a} needs a value`);
      opts[name] = v;
    } else files.push(a);
  }
  const command = files.shift();
  if (command === undefined || command === 'help') return { command: 'help', files: [], budgetGb: 2 };
  if (command !== 'verify' && command !== 'enrol' && command !== 'identify') throw new UsageError(`unknown command "${command}" (verify, enrol, identify)`);
  const threads = opts['threads'] === undefined ? undefined : Number(opts['threads']);
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1 && threads <= 256)) throw new UsageError(`--threads must be an integer in [1, 256], got ${opts['threads']}`);
  const budgetGb = opts['budget-gb'] === undefined ? 2 : Number(opts['budget-gb']);
  if (!(Number.isFinite(budgetGb) && budgetGb >= 0)) throw new UsageError(`--budget-gb must be a number ≥ 0, got ${opts['budget-gb']}`);
  const keys = opts['keys'];
  const out = opts['out'];
  if (command === 'enrol') {
    if (files.length !== 1 || !isPng(files[0]!)) throw new UsageError('enrol takes one face crop (.png)');
    if (keys === undefined || out === undefined) throw new UsageError('enrol needs --keys DIR and --out FILE');
  } else if (command === 'verify') {
    if (files.length !== 2) throw new UsageError('verify takes two files');
    const oneShot = isPng(files[0]!) && isPng(files[1]!);
    if (!oneShot && (keys === undefined || !isPng(files[0]!))) throw new UsageError('verify takes <enrolled.png> <probe.png>, or <probe.png> <template> with --keys DIR');
  } else {
    if (files.length < 2 || !isPng(files[0]!)) throw new UsageError('identify takes <probe.png> and one or more templates');
    if (keys === undefined) throw new UsageError('identify needs --keys DIR');
  }
  if (out !== undefined && command !== 'enrol') throw new UsageError('--out is for enrol');
  return { command, files, budgetGb, ...(keys === undefined ? {} : { keys }), ...(out === undefined ? {} : { out }), ...(threads === undefined ? {} : { threads }) };
}

export const USAGE = `usage:
  cryptoface verify <enrolled.png> <probe.png>                one-shot: fresh keys, enrol, verify
  cryptoface enrol <face.png> --keys DIR --out <template>     creates DIR's keys on first use
  cryptoface verify <probe.png> <template> --keys DIR
  cryptoface identify <probe.png> <template> [<template> …] --keys DIR
options: --threads T (default: all cores), --budget-gb G (default 2)
Faces are aligned 112×112 PNG crops (node tools/align/align.mjs <photo> <out.png> makes one).`;

export interface Context {
  readonly weights: FaceWeights;
  readonly pool: ThreadPool;
  readonly log: (line: string) => void;
}

/** The key holder's state: secret key and the directory of evaluation key blobs. */
async function keyHolder(setup: FaceSetup, dir: string | undefined, log: (s: string) => void): Promise<{ client: FaceClient; store: KeyBlobStore }> {
  if (dir === undefined) {
    // one-shot: the keys go to a temporary directory (removed at exit), read back per phase by the server
    const tmp = await mkdtemp(join(tmpdir(), 'cryptoface-keys-'));
    process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
    const client = FaceClient.create(setup);
    log(`generating ${setup.keyPlan().galoisKeys.length + 3} evaluation keys (${(setup.keyPlan().bytesSeeded / 1e9).toFixed(2)} GB) …`);
    for (const b of client.evaluationKeys()) await writeFileAtomic(join(tmp, b.name), b.bytes);
    return { client, store: directoryKeyStore(tmp) };
  }
  const skPath = join(dir, 'secret.key');
  const evalDir = join(dir, 'eval');
  const exists = await stat(skPath).then(() => true, () => false);
  let client: FaceClient;
  if (exists) {
    client = FaceClient.create(setup, { secretKey: deserializeSecretKey(setup.context, await readFile(skPath)) });
  } else {
    await mkdir(evalDir, { recursive: true });
    const sk = new KeyGenerator(setup.context).secretKey();
    client = FaceClient.create(setup, { secretKey: sk });
    log(`new key holder directory ${dir}: generating ${setup.keyPlan().galoisKeys.length + 3} evaluation keys (${(setup.keyPlan().bytesSeeded / 1e9).toFixed(2)} GB) …`);
    for (const b of client.evaluationKeys()) await writeFileAtomic(join(evalDir, b.name), b.bytes);
    // the secret key last: a directory with secret.key is complete
    await writeFile(skPath, serializeSecretKey(sk), { mode: 0o600 });
    await chmod(skPath, 0o600);
  }
  return { client, store: directoryKeyStore(evalDir) };
}

/** Runs a parsed command; returns the process exit code (0 ok). */
export async function run(args: ParsedArgs, ctx: Context): Promise<number> {
  if (args.command === 'help') {
    ctx.log(USAGE);
    return 0;
  }
  // read every input first: a bad file fails before minutes of key generation
  const pngs = args.files.filter(isPng);
  const faces = await Promise.all(pngs.map(async (f) => (await readFaceCrop(f)).rgb));
  const templates = await Promise.all(args.files.filter((f) => !isPng(f)).map((f) => readFile(f).catch((e: NodeJS.ErrnoException) => {
    throw Object.assign(new Error(`${f}: ${e.code ?? e.message}`), { code: e.code });
  })));
  const t0 = performance.now();
  const setup = FaceSetup.create(ctx.weights, { pool: ctx.pool });
  const { client, store } = await keyHolder(setup, args.keys, ctx.log);
  ctx.log('server: encoding weights and the bootstrap …');
  const server = FaceServer.create(setup, store, { budgetBytes: args.budgetGb * 1e9 });
  const elapsed = () => `${((performance.now() - t0) / 1000).toFixed(0)} s`;
  if (args.command === 'enrol') {
    const template = server.enrol(client.encryptFace(faces[0]!));
    await writeFileAtomic(args.out!, template);
    ctx.log(`enrolled ${args.files[0]} → ${args.out} (${template.length} bytes) in ${elapsed()}`);
    return 0;
  }
  if (args.command === 'verify') {
    const template = templates.length === 1 ? templates[0]! : server.enrol(client.encryptFace(faces[0]!));
    const probe = faces[templates.length === 1 ? 0 : 1]!;
    const { match } = client.readVerdict(server.verify(client.encryptFace(probe), template));
    ctx.log(`${match ? 'MATCH' : 'NO MATCH'} (${elapsed()})`);
    return 0;
  }
  const session = server.probe(client.encryptFace(faces[0]!));
  const gallery = server.packGallery(templates);
  const { matches } = client.readIdentification(session.identify(gallery));
  const names = args.files.slice(1);
  ctx.log(matches.some((m) => m) ? `matches: ${names.filter((_, i) => matches[i]).join(', ')}` : 'no match');
  ctx.log(`(${elapsed()})`);
  return 0;
}
