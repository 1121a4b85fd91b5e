/**
 * Bootstrapping benchmark. `npm run bench:bootstrap -- [--quick] [--preset face] [--path complex] [--runs k]`:
 * a secure N = 2^16 preset (default N16QP1546H192H32, the Lattigo mirror; `--preset face` the face-network preset),
 * one thread. Generates exactly the keys of the key report, encodes the DFT matrices, then bootstraps a fresh
 * level-0 encryption of uniform reals in [−1, 1] k times (k = 3 with --quick, else 5) and reports the median time,
 * the precision (−log2 of the mean and of the max |error| over the slots, all runs), the per-phase times, the levels
 * left, the key bytes and the peak RSS. Ends with one JSON line. `seconds` is wall time; `cpu_seconds` the process's CPU
 * time for the same bootstrap (the machine is shared: with other jobs running, wall time includes waiting for a
 * core), `load_average` the 1-minute load at the end.
 * `--logN 13` (experiments only): the same chain at a smaller, INSECURE ring degree.
 */
import { loadavg } from 'node:os';
import { CkksContext } from '../src/ckks/scheme/context.js';
import { Encoder } from '../src/ckks/scheme/encoder.js';
import { Decryptor, Encryptor } from '../src/ckks/scheme/encryptor.js';
import { Evaluator } from '../src/ckks/scheme/evaluator.js';
import { KeyGenerator } from '../src/ckks/scheme/keyGenerator.js';
import {
  BOOTSTRAPPING_PRESETS, type BootstrapPath, type BootstrapPhase, Bootstrapper, BootstrappingParameters,
  bootstrappingKeyReport, generateBootstrappingKeys,
} from '../src/ckks/circuits/bootstrapping/index.js';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const quick = process.argv.includes('--quick');
const presetName = flag('preset') === 'face' ? 'N16QP1740FACE' : (flag('preset') ?? 'N16QP1546H192H32');
const preset = BOOTSTRAPPING_PRESETS[presetName];
if (preset === undefined) throw new Error(`unknown preset ${presetName}; known: ${Object.keys(BOOTSTRAPPING_PRESETS).join(', ')}`);
const logN = Number(flag('logN') ?? preset.params.logN);
const path = (flag('path') ?? 'real') as BootstrapPath;
const runs = Number(flag('runs') ?? (quick ? 3 : 5));
const secure = logN === preset.params.logN;
const log = (s: string) => process.stderr.write(`${s}\n`);
const seconds = (t0: number) => (performance.now() - t0) / 1000;

let t0 = performance.now();
const ctx = new CkksContext(secure ? preset.params : { ...preset.params, logN, insecure: true });
const logSlots = Math.min(preset.bootstrapping.logSlots ?? logN - 1, logN - 1);
const params = new BootstrappingParameters(ctx, { ...preset.bootstrapping, logSlots });
const report = bootstrappingKeyReport(params, [path]);
log(`${preset.name}${secure ? '' : ` at INSECURE N = 2^${logN}`}: ${params.describe()}; log2 QP = ${ctx.params.logQP.toFixed(1)}, dnum ${ctx.params.dnum}`);
log(`keys: ${report.keyCount} (${report.galoisElements.length} Galois), ${(report.bytes.plain / 1e9).toFixed(2)} GB plain, ${(report.bytes.seeded / 1e9).toFixed(2)} GB seeded (each key restricted to its levels; over the whole chain ${(report.fullLevelBytes.plain / 1e9).toFixed(2)} GB)`);
if (process.argv.includes('--report')) process.exit(0);

t0 = performance.now();
const kg = new KeyGenerator(ctx);
const sk = kg.secretKey();
const pk = kg.publicKey(sk);
const { relinearizationKey, galoisKeys, encapsulationKeys } = generateBootstrappingKeys(params, sk, [path]);
const keygenSeconds = seconds(t0);
log(`key generation ${keygenSeconds.toFixed(1)} s`);

t0 = performance.now();
const evaluator = new Evaluator(ctx, { relinearizationKey, galoisKeys });
const encoder = new Encoder(ctx);
const bootstrapper = new Bootstrapper(evaluator, encoder, params, { ...(encapsulationKeys === undefined ? {} : { encapsulationKeys }), paths: [path] });
const setupSeconds = seconds(t0);
log(`set-up (DFT matrices encoded) ${setupSeconds.toFixed(1)} s`);

const encryptor = new Encryptor(ctx);
const decryptor = new Decryptor(ctx, sk);
const n = params.slots;
const times: number[] = [];
const cpuTimes: number[] = [];
const phaseSeconds = new Map<BootstrapPhase, number[]>();
let errorSum = 0;
let errorCount = 0;
let errorMax = 0;
for (let r = 0; r < runs; r++) {
  const re = Float64Array.from({ length: n }, () => 2 * Math.random() - 1);
  const im = path === 'complex' ? Float64Array.from({ length: n }, () => 2 * Math.random() - 1) : new Float64Array(n);
  const ct = encryptor.encryptPublic(encoder.encode({ re, im }, { level: 0, slots: n }), pk);
  let last = performance.now();
  let phase: BootstrapPhase = 'modRaise';
  const start = last;
  const cpuStart = process.cpuUsage();
  const out = bootstrapper.bootstrap(ct, {
    path,
    progress: (p) => {
      if (p === phase) return;
      const now = performance.now();
      const list = phaseSeconds.get(phase) ?? [];
      list[r] = (list[r] ?? 0) + (now - last) / 1000;
      phaseSeconds.set(phase, list);
      last = now;
      phase = p;
    },
  });
  times.push(seconds(start));
  const cpu = process.cpuUsage(cpuStart);
  cpuTimes.push((cpu.user + cpu.system) / 1e6);
  const got = encoder.decode(decryptor.decrypt(out));
  for (let i = 0; i < n; i++) {
    for (const e of [Math.abs(got.re[i]! - re[i]!), Math.abs(got.im[i]! - im[i]!)]) {
      errorSum += e;
      errorCount++;
      errorMax = Math.max(errorMax, e);
    }
  }
  log(`run ${r + 1}/${runs}: ${times[r]!.toFixed(1)} s (CPU ${cpuTimes[r]!.toFixed(1)} s), level ${out.level}, scale 2^${Math.log2(out.scale).toFixed(1)}`);
  if (r === runs - 1 && out.level !== params.levels.output) throw new Error(`output level ${out.level}, expected ${params.levels.output}`);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

const summary = {
  preset: preset.name,
  logN,
  secure,
  slots: n,
  path,
  seconds: median(times),
  cpu_seconds: median(cpuTimes),
  load_average: loadavg()[0],
  keygen_seconds: keygenSeconds,
  setup_seconds: setupSeconds,
  precision_bits_mean: -Math.log2(errorSum / errorCount),
  precision_bits_min: -Math.log2(errorMax),
  levels_after: params.levels.output,
  key_bytes: report.bytes.plain,
  key_bytes_seeded: report.bytes.seeded,
  key_count: report.keyCount,
  peak_rss_bytes: process.resourceUsage().maxRSS * 1024,
  runs,
  ...Object.fromEntries([...phaseSeconds].map(([p, xs]) => [`${p}_seconds`, median(xs.filter((x) => x !== undefined))])),
};
console.log('| measurement | value |');
console.log('|---|---:|');
for (const [k, v] of Object.entries(summary)) console.log(`| ${k} | ${typeof v === 'number' ? Number(v.toFixed(3)) : String(v)} |`);
console.log(JSON.stringify(summary));
