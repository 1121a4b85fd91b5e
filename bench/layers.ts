/**
 * Encrypted CFNet4 layers benchmark (issue "encrypted CryptoFaceNet layers"). `npm run bench:layers -- [--quick]
 * [--budget-gb G] [--hoisting single|double] [--image k]`: the trained CFNet4 (models/cfnet4) on reference face k
 * (default 0) at the secure preset CFNET4_N16 (N = 2^16, 4 patches in one set of ciphertexts), ONE thread, with the
 * test-only oracle refresh before block 4 (decrypt + re-encrypt: it holds the secret key, it stands in for
 * bootstrapping and is not part of the network). Prints the per-layer table (levels, key switches, diagonals, keys,
 * encoded bytes, ms) and ends with one JSON line: conv_keyswitches (all convolutions, all patches),
 * fusion_keyswitches, total_keyswitches, seconds (network only; weights pre-encoded up to the budget, the rest encoded
 * on the fly inside this time), encode_seconds, max_abs_error (256-d output vs the float64 forward pass),
 * peak_rss_bytes (and with --threads > 1 the recycler counters: fresh and reused shared buffers). --quick: one forward pass (there is no longer mode yet; the flag is accepted for the harness).
 *
 * `--refresh bootstrap` (issue 15): the real bootstrap instead of the oracle, on the one secure parameter set
 * CRYPTOFACE_N16 (src/face/encrypted/cryptofaceParameters.ts) through the client/server API: compileCryptoface, the
 * merged key plan (sizes printed before generation), generateNetworkKeys, the Bootstrapper on the evaluation keys,
 * BootstrapRefresher with B = CRYPTOFACE_REFRESH_BOUND (or --bound B). Extra JSON fields: bootstrap_seconds (the
 * refresh, not in `seconds`), total_seconds (network + bootstrap), bootstrap_setup_seconds (DFT diagonals),
 * key_bytes split into network/bootstrap/shared/relinearisation/encapsulation, levels_after_fusion.
 * `--keys phased` (with --refresh bootstrap): only one phase's keys in memory at a time — the network's before the
 * refresh, the bootstrap's (and its DFT diagonals) during it, the network's after it — as a server does that keeps
 * the keys serialised and loads each phase's set; here each set is generated from the secret key at the phase
 * boundary instead (phase_key_seconds, not in `seconds`). Run node with --expose-gc so dropped sets are collected.
 * `--keys staged`: the same with the bootstrap's Galois keys per CoeffsToSlots stage and then SlotsToCoeffs (their
 * generation inside the bootstrap is subtracted from bootstrap_seconds).
 * `--threads T`: a ThreadPool of T threads (default 1). `--plan-only` (with --refresh bootstrap): print the key plan
 * (counts, levels, bytes) and stop before generating anything.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { CkksContext } from '../src/ckks/scheme/context.js';
import { Encoder } from '../src/ckks/scheme/encoder.js';
import { Decryptor, Encryptor } from '../src/ckks/scheme/encryptor.js';
import { Evaluator } from '../src/ckks/scheme/evaluator.js';
import { KeyGenerator } from '../src/ckks/scheme/keyGenerator.js';
import { levelledGaloisKey, levelledKeyBytes, levelledRelinearizationKey } from '../src/ckks/scheme/levelledKeys.js';
import { conjugationElement, galoisElementForRotation } from '../src/ckks/ring/automorphism.js';
import type { GaloisKey } from '../src/ckks/scheme/keys.js';
import { loadWeights } from '../src/face/weights.js';
import { embedInput } from '../src/face/model.js';
import { preprocessFace, toPatches } from '../src/face/preprocess.js';
import { EncryptedCfnet } from '../src/face/encrypted/encryptedCfnet.js';
import { CFNET4_N16, CFNET4_N16_LEVELS } from '../src/face/encrypted/networkParameters.js';
import { PlaintextStore } from '../src/nn/encrypted/plaintextStore.js';
import { OracleRefreshForTestsOnly } from '../test/support/oracleRefresh.js';
import { ThreadPool } from '../src/ckks/parallel/index.js';
import { Bootstrapper } from '../src/ckks/circuits/bootstrapping/bootstrapper.js';
import { BootstrapRefresher } from '../src/face/encrypted/bootstrapRefresher.js';
import { CRYPTOFACE_N16, CRYPTOFACE_REFRESH_BOUND } from '../src/face/encrypted/cryptofaceParameters.js';
import { compileCryptoface } from '../src/face/encrypted/encryptedFaceServer.js';
import { generateNetworkKeys, planNetworkKeys } from '../src/face/encrypted/networkKeys.js';
import type { Refresher } from '../src/face/encrypted/encryptedCfnet.js';
import type { RelinearizationKey } from '../src/ckks/scheme/keys.js';

const argv = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const budgetGb = Number(flag('--budget-gb') ?? '5');
const hoisting = (flag('--hoisting') ?? 'auto') as 'single' | 'double' | 'auto';
const image = Number(flag('--image') ?? '0');
const refreshMode = flag('--refresh') ?? 'oracle';
if (refreshMode !== 'oracle' && refreshMode !== 'bootstrap') throw new Error(`--refresh must be oracle or bootstrap, got ${refreshMode}`);
const bootstrapMode = refreshMode === 'bootstrap';
const bound = Number(flag('--bound') ?? String(CRYPTOFACE_REFRESH_BOUND));
const threads = Number(flag('--threads') ?? '1');
const staged = flag('--keys') === 'staged';
const phased = flag('--keys') === 'phased' || staged;
if (phased && !bootstrapMode) throw new Error('--keys phased needs --refresh bootstrap');
const gc = (): void => (globalThis as { gc?: () => void }).gc?.();
const rss = (): string => `RSS ${(process.memoryUsage.rss() / 1e9).toFixed(1)} GB`;
const root = join(import.meta.dirname, '..', '..');
const model = join(root, 'models', 'cfnet4');
const log = (msg: string) => console.error(`[${(process.uptime()).toFixed(0)} s] ${msg}`);

const weights = loadWeights(readFileSync(join(model, 'weights.json'), 'utf8'), new Uint8Array(readFileSync(join(model, 'weights.bin'))));
const faces = new Uint8Array(readFileSync(join(model, 'reference', 'inputs.u8')));
const rgb = faces.subarray(image * 112 * 112 * 3, (image + 1) * 112 * 112 * 3);
const x = preprocessFace(rgb, weights.inputSize);
const yRef = embedInput(weights, x);

const pool = threads > 1 ? await ThreadPool.create({ threads }) : undefined;
if (pool !== undefined && pool.threads !== threads) throw new Error(`could not start ${threads} threads: ${pool.fallbackReason ?? 'unknown reason'}`);
const ctx = new CkksContext(bootstrapMode ? CRYPTOFACE_N16.params : CFNET4_N16, pool === undefined ? {} : { pool });
const encoder = new Encoder(ctx);
let t = performance.now();
const setup = bootstrapMode ? compileCryptoface(ctx, weights, { hoisting, bound }) : undefined;
const net = setup?.net ?? EncryptedCfnet.compile(ctx, weights, { slots: ctx.params.maxSlots, ...CFNET4_N16_LEVELS, hoisting });
const compileSeconds = (performance.now() - t) / 1000;
log(`compiled in ${compileSeconds.toFixed(1)} s`);

t = performance.now();
const keygen = new KeyGenerator(ctx);
const sk = keygen.secretKey();
const pk = keygen.publicKey(sk);
let galoisKeys = new Map<number, GaloisKey>();
let keyBytes = 0;
let relinearizationKey: RelinearizationKey;
let keyParts: Record<string, number> = {};
let encapsulationKeys;
let phasedPlans: ReturnType<typeof planNetworkKeys>[] = [];
const evaluators: Evaluator[] = [];
let phaseKeyMs = 0;
let afterKeyMs = 0;
let stageKeyMs = 0;
if (setup !== undefined) {
  const plan = planNetworkKeys(net, setup.bootstrapping);
  keyParts = { ...plan.bytes, unshared: plan.unsharedBytes };
  log(`key plan: ${plan.galoisKeys.length} Galois keys (${plan.galoisKeys.filter((k) => k.usedBy === 'both').length} shared) + relinearisation at level ${plan.relinearizationLevel} + encapsulation: `
    + `${(plan.bytes.total / 1e9).toFixed(2)} GB (network-only ${(plan.bytes.network / 1e9).toFixed(2)}, bootstrap-only ${(plan.bytes.bootstrap / 1e9).toFixed(2)}, shared ${(plan.bytes.shared / 1e9).toFixed(2)}; unshared would be ${(plan.unsharedBytes / 1e9).toFixed(2)} GB; seeded ${(plan.bytes.totalSeeded / 1e9).toFixed(2)} GB)`);
  if (argv.includes('--plan-only')) {
    const byLevel = new Map<number, number>();
    for (const k of plan.galoisKeys) byLevel.set(k.level, (byLevel.get(k.level) ?? 0) + 1);
    console.log(JSON.stringify({ galois_keys: plan.galoisKeys.length, by_level: Object.fromEntries(byLevel), shared: plan.galoisKeys.filter((k) => k.usedBy === 'both').length,
      relinearization_level: plan.relinearizationLevel, bytes: plan.bytes, unshared_bytes: plan.unsharedBytes, bootstrap: setup.bootstrapping.describe(),
      log_qp: ctx.params.logQP, refresh_period: net.refreshLayout()?.period, input_level: net.inputLevel, refresh_level: net.refreshLevel, refresh_scale_log2: Math.log2(net.refreshScale),
      phases: Object.fromEntries((['beforeRefresh', 'refresh', 'coeffsToSlots:0', 'coeffsToSlots:1', 'coeffsToSlots:2', 'slotsToCoeffs', 'afterRefresh'] as const).map((ph) => {
        const q = planNetworkKeys(net, setup.bootstrapping, ph);
        return [ph, { galois_keys: q.galoisKeys.length, bytes: q.bytes.total }];
      })) }));
    process.exit(0);
  }
  const phasePlans = phased ? (['beforeRefresh', 'refresh', 'afterRefresh'] as const).map((ph) => planNetworkKeys(net, setup.bootstrapping, ph)) : [];
  if (phased) {
    keyParts = { ...keyParts, phase_before: phasePlans[0]!.bytes.total, phase_refresh: phasePlans[1]!.bytes.total, phase_after: phasePlans[2]!.bytes.total };
    log(`phased keys: before the refresh ${phasePlans[0]!.galoisKeys.length} keys ${(phasePlans[0]!.bytes.total / 1e9).toFixed(2)} GB, bootstrap ${phasePlans[1]!.galoisKeys.length} keys ${(phasePlans[1]!.bytes.total / 1e9).toFixed(2)} GB, after ${phasePlans[2]!.galoisKeys.length} keys ${(phasePlans[2]!.bytes.total / 1e9).toFixed(2)} GB`);
  }
  const keys = generateNetworkKeys(phased ? phasePlans[0]! : plan, sk, { onKey: (d, n) => { if (d % 20 === 0 || d === n) log(`keys ${d}/${n}`); } });
  galoisKeys = keys.galoisKeys;
  relinearizationKey = keys.relinearizationKey;
  encapsulationKeys = keys.encapsulationKeys;
  const stageTotals = staged ? (['coeffsToSlots:0', 'coeffsToSlots:1', 'coeffsToSlots:2', 'slotsToCoeffs'] as const).map((ph) => planNetworkKeys(net, setup.bootstrapping, ph).bytes.total) : [];
  keyBytes = phased ? Math.max(...(staged ? [phasePlans[0]!, phasePlans[2]!] : phasePlans).map((q) => q.bytes.total), ...stageTotals) : plan.bytes.total;
  if (phased) phasedPlans = phasePlans;
} else {
  for (const [step, level] of net.rotationKeyLevels()) {
    const e = galoisElementForRotation(step, ctx.ringDegree);
    galoisKeys.set(e, levelledGaloisKey(ctx, sk, e, level));
    keyBytes += levelledKeyBytes(ctx, level).plain;
  }
  const conjLevel = net.conjugationLevel();
  if (conjLevel !== undefined) {
    const e = conjugationElement(ctx.ringDegree);
    galoisKeys.set(e, levelledGaloisKey(ctx, sk, e, conjLevel));
    keyBytes += levelledKeyBytes(ctx, conjLevel).plain;
  }
  const relinLevel = net.relinearizationLevel();
  keyBytes += levelledKeyBytes(ctx, relinLevel).plain;
  relinearizationKey = levelledRelinearizationKey(ctx, sk, relinLevel);
}
const evaluator = new Evaluator(ctx, { relinearizationKey, galoisKeys });
evaluators.push(evaluator);
const keySeconds = (performance.now() - t) / 1000;
log(`${galoisKeys.size} levelled Galois keys + relinearisation${bootstrapMode ? ' + encapsulation' : ''}: ${(keyBytes / 1e9).toFixed(2)} GB in ${keySeconds.toFixed(0)} s; RSS ${(process.memoryUsage.rss() / 1e9).toFixed(1)} GB`);

const encryptor = new Encryptor(ctx);
const decryptor = new Decryptor(ctx, sk);
let refresh: Refresher;
let refresher: BootstrapRefresher | undefined;
let bootstrapSetupSeconds = 0;
let evaluatorAfterRefresh: (() => Evaluator) | undefined;
let bootstraps = 0;
let bootstrapMs = 0;
if (setup !== undefined && phased) {
  // one phase's keys in memory at a time: what a server does that keeps keys serialised and loads each phase's set;
  // here they are generated from the secret key instead of loaded (that time is reported apart, not in `seconds`)
  const phaseKeys = (i: number): ReturnType<typeof generateNetworkKeys> => {
    const t0 = performance.now();
    const k = generateNetworkKeys(phasedPlans[i]!, sk);
    phaseKeyMs += performance.now() - t0;
    return k;
  };
  refresh = {
    level: net.refreshLevel,
    scale: net.refreshScale,
    refresh: (cts) => {
      galoisKeys.clear(); // the layers before the refresh are done: drop their keys
      gc();
      log(`refresh: dropped the first phase's keys; ${rss()}`);
      // staged: the bootstrap's Galois keys per CoeffsToSlots stage, then SlotsToCoeffs (as EncryptedFaceServer does)
      const stagePlan = (ph: 'coeffsToSlots:0' | 'coeffsToSlots:1' | 'coeffsToSlots:2' | 'slotsToCoeffs') => planNetworkKeys(net, setup.bootstrapping, ph);
      const stageKeys = (ph: Parameters<typeof stagePlan>[0]) => {
        const t1 = performance.now();
        const kk = generateNetworkKeys(stagePlan(ph), sk);
        phaseKeyMs += performance.now() - t1;
        stageKeyMs += performance.now() - t1;
        return kk;
      };
      const k = staged ? stageKeys('slotsToCoeffs') : phaseKeys(1);
      if (staged) k.galoisKeys.clear();
      const ev = new Evaluator(ctx, { relinearizationKey: k.relinearizationKey, galoisKeys: k.galoisKeys });
      evaluators.push(ev);
      const t0 = performance.now();
      const bs = new Bootstrapper(ev, encoder, setup.bootstrapping, { ...(k.encapsulationKeys === undefined ? {} : { encapsulationKeys: k.encapsulationKeys }), paths: ['real'] });
      bootstrapSetupSeconds = (performance.now() - t0) / 1000;
      log(`refresh: bootstrap keys and bootstrapper ready; ${rss()}`);
      const r = new BootstrapRefresher(ev, bs, { level: net.refreshLevel, scale: net.refreshScale, bound, period: net.refreshLayout()!.period });
      let reports = 0;
      let stc = false;
      const fill = (ph: Parameters<typeof stagePlan>[0]) => {
        k.galoisKeys.clear();
        gc();
        for (const [e, key] of stageKeys(ph).galoisKeys) k.galoisKeys.set(e, key);
        log(`refresh: keys of ${ph} ready; ${rss()}`);
      };
      const stages = setup.bootstrapping.coeffsToSlotsLevels;
      const out = staged
        ? r.refresh(cts, (phase) => {
          if (phase === 'modRaise') fill('coeffsToSlots:0');
          if (phase === 'coeffsToSlots') {
            if (reports > 0 && reports < stages) fill(`coeffsToSlots:${reports}` as 'coeffsToSlots:1');
            reports++;
          }
          if (phase === 'slotsToCoeffs' && !stc) {
            fill('slotsToCoeffs');
            stc = true;
          }
        }, true)
        : r.refresh(cts);
      bootstraps = r.bootstraps;
      bootstrapMs = r.milliseconds - stageKeyMs;
      log(`refresh: bootstrap ${(bootstrapMs / 1000).toFixed(1)} s; ${rss()}`);
      k.galoisKeys.clear();
      return out;
    },
  };
  evaluatorAfterRefresh = () => {
    gc();
    const t0 = performance.now();
    const k = phaseKeys(2);
    afterKeyMs = performance.now() - t0;
    const ev = new Evaluator(ctx, { relinearizationKey: k.relinearizationKey, galoisKeys: k.galoisKeys });
    evaluators.push(ev);
    log(`after the refresh: keys of the last phase ready; ${rss()}`);
    return ev;
  };
} else if (setup !== undefined) {
  t = performance.now();
  const bootstrapper = new Bootstrapper(evaluator, encoder, setup.bootstrapping, { ...(encapsulationKeys === undefined ? {} : { encapsulationKeys }), paths: ['real'] });
  refresher = new BootstrapRefresher(evaluator, bootstrapper, { level: net.refreshLevel, scale: net.refreshScale, bound, period: net.refreshLayout()!.period });
  refresh = refresher;
  bootstrapSetupSeconds = (performance.now() - t) / 1000;
  log(`bootstrapper (${setup.bootstrapping.describe()}) set up in ${bootstrapSetupSeconds.toFixed(0)} s; RSS ${(process.memoryUsage.rss() / 1e9).toFixed(1)} GB`);
} else {
  refresh = new OracleRefreshForTestsOnly(encoder, decryptor, encryptor, pk, net.refreshLevel, net.refreshScale);
}

t = performance.now();
const store = new PlaintextStore(budgetGb * 1e9);
net.prepare(encoder, store);
const encodeSeconds = (performance.now() - t) / 1000;
log(`encoded ${store.size} diagonals (${(store.bytes / 1e9).toFixed(2)} GB) in ${encodeSeconds.toFixed(0)} s; RSS ${(process.memoryUsage.rss() / 1e9).toFixed(1)} GB`);

const input = net.packInput(toPatches(x, weights.grid)).map((v) => encryptor.encryptPublic(encoder.encode(v, { level: net.inputLevel, scale: net.inputScale }), pk));

const ms = new Map<string, number>();
const ksNow = (): number => evaluators.reduce((a, e) => a + e.keySwitchCounters.keySwitches, 0);
const ksBefore = ksNow();
const ksAt = new Map<string, number>();
let ksLast = ksBefore;
t = performance.now();
const cpu0 = process.cpuUsage();
const out = net.forward(evaluator, encoder, input, refresh, {
  store,
  ...(evaluatorAfterRefresh === undefined ? {} : { evaluatorAfterRefresh }),
  profile: (layer, dt) => {
    ms.set(layer, dt);
    const now = ksNow();
    ksAt.set(layer, now - ksLast);
    ksLast = now;
    log(`${layer}: ${(dt / 1000).toFixed(1)} s`);
  },
});
const totalMs = performance.now() - t;
// the refresh (with, when phased, its key generation and bootstrapper set-up) and the last phase's key generation are not network time
const networkMs = totalMs - (ms.get('refresh') ?? 0) - afterKeyMs;
const cpu = process.cpuUsage(cpu0);
const y = encoder.decodeReal(decryptor.decrypt(out)).subarray(0, 256);
let maxAbsError = 0;
yRef.forEach((v, j) => { maxAbsError = Math.max(maxAbsError, Math.abs(v - y[j]!)); });

const rows = net.report(encoder);
console.log(`Encrypted CFNet4, 4 patches packed, N = 2^${ctx.params.logN}, ${hoisting} hoisting, plaintext budget ${budgetGb} GB, reference face ${image}, refresh: ${refreshMode}${bootstrapMode ? ` (B = ${bound})` : ''}, ${threads} thread(s)`);
console.log('| layer | level in → out | key switches (counted) | diagonals | rotation keys | encoded MB | ms |');
console.log('|---|---|---:|---:|---:|---:|---:|');
const msOf = (name: string) => ms.get(name) ?? (name.startsWith('pool.windows') ? (ms.get('pool.windows') ?? 0) + (ms.get('pool.gather') ?? 0) : name.startsWith('fusion') ? (ms.get('fusion.replicate') ?? 0) + (ms.get('fusion.bsgs') ?? 0) : 0);
const ksOf = (name: string) => ksAt.get(name) ?? (name.startsWith('pool.windows') ? (ksAt.get('pool.windows') ?? 0) + (ksAt.get('pool.gather') ?? 0) : name.startsWith('fusion') ? (ksAt.get('fusion.replicate') ?? 0) + (ksAt.get('fusion.bsgs') ?? 0) : 0);
for (const r of rows) {
  console.log(`| ${r.name} | ${r.levelIn} → ${r.levelOut} | ${r.keySwitches} (${ksOf(r.name)}) | ${r.diagonals} | ${r.rotationSteps} | ${(r.plaintextBytes / 2 ** 20).toFixed(0)} | ${msOf(r.name).toFixed(0)} |`);
}
console.log(`| refresh (${bootstrapMode ? 'bootstrap' : 'oracle'}, not counted) | 0 → ${net.refreshLevel} | ${bootstrapMode ? '' : '0'} | | | | ${(ms.get('refresh') ?? 0).toFixed(0)} |`);
const sum = (pred: (name: string) => boolean) => rows.filter((r) => pred(r.name)).reduce((a, r) => a + r.keySwitches, 0);
const convKs = sum((n) => n === 'stem' || n.includes('.conv'));
const usage = process.resourceUsage(); // one reading for all three figures
const summary = {
  N: ctx.ringDegree,
  patches: weights.grid * weights.grid,
  hoisting,
  refresh: refreshMode,
  threads,
  ...(bootstrapMode ? { bound } : {}),
  conv_keyswitches: convKs,
  herpn_keyswitches: sum((n) => n.includes('herpn')),
  pooling_keyswitches: sum((n) => n.startsWith('pool.windows')),
  fusion_keyswitches: sum((n) => n.startsWith('fusion')),
  total_keyswitches: ksNow() - ksBefore,
  network_keyswitches: rows.reduce((a, r) => a + r.keySwitches, 0),
  rotation_keys: galoisKeys.size,
  key_bytes: keyBytes,
  diagonals: rows.reduce((a, r) => a + r.diagonals, 0),
  all_plaintext_bytes: rows.reduce((a, r) => a + r.plaintextBytes, 0),
  held_plaintext_bytes: store.bytes,
  on_the_fly_encodings: store.onTheFly,
  on_the_fly_encode_seconds: store.onTheFlyMs / 1000,
  seconds: networkMs / 1000,
  ...(bootstrapMode ? {
    bootstrap_seconds: (phased ? bootstrapMs : (ms.get('refresh') ?? 0)) / 1000,
    keys_phased: phased,
    phase_key_seconds: phaseKeyMs / 1000,
    total_seconds: (networkMs + (phased ? bootstrapMs : (ms.get('refresh') ?? 0))) / 1000,
    bootstrap_setup_seconds: bootstrapSetupSeconds,
    bootstraps: refresher?.bootstraps ?? bootstraps,
    key_bytes_parts: keyParts,
  } : {}),
  levels_after_fusion: out.level,
  cpu_seconds: (cpu.user + cpu.system) / 1e6,
  load_average: Number(loadavg()[0]!.toFixed(2)),
  encode_seconds: encodeSeconds,
  compile_seconds: compileSeconds,
  key_seconds: keySeconds,
  max_abs_error: maxAbsError,
  max_abs_y: Math.max(...yRef.map(Math.abs)),
  peak_rss_bytes: usage.maxRSS * 1024,
  system_seconds: usage.systemCPUTime / 1e6,
  minor_page_faults: usage.minorPageFault,
  // shared-memory allocations over the whole run (keys, encodings, forward pass): fresh pages vs recycled buffers
  ...(pool === undefined ? {} : { recycler: { ...pool.recycler.counters } }),
};
console.log(JSON.stringify(summary));
pool?.dispose();
