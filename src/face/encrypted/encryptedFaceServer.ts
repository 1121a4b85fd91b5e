/**
 * The encrypted CryptoFaceNet with its real bootstrap, as the two sides of the protocol use it:
 *
 *   client:  const setup = compileCryptoface(ctx, weights, options);          // the same on both sides
 *            const plan = planNetworkKeys(setup.net, setup.bootstrapping);     // sizes before generation
 *            const keys = generateNetworkKeys(plan, sk);                       // evaluation keys only
 *   server:  const server = EncryptedFaceServer.create(ctx, weights, keys, options);  // no secret key
 *            const y = server.embed(inputCiphertexts);                         // fused 256-d feature, level ≥ 7
 *
 * `compileCryptoface` fixes what both sides must agree on: the network's levels and scales (from the parameter set,
 * cryptofaceParameters.ts) and the bootstrapping parameters, whose output scale is the network's refresh scale × B
 * (bootstrapRefresher.ts explains B).
 */
import { CkksError } from '../../ckks/errors.js';
import { Bootstrapper } from '../../ckks/circuits/bootstrapping/bootstrapper.js';
import { BootstrappingParameters } from '../../ckks/circuits/bootstrapping/bootstrappingParameters.js';
import { collectHere } from '../../ckks/parallel/scheduler.js';
import type { CkksContext } from '../../ckks/scheme/context.js';
import { Encoder } from '../../ckks/scheme/encoder.js';
import { Evaluator } from '../../ckks/scheme/evaluator.js';
import type { Ciphertext } from '../../ckks/scheme/plaintext.js';
import { PlaintextStore } from '../../nn/encrypted/plaintextStore.js';
import { BootstrapRefresher } from './bootstrapRefresher.js';
import { CRYPTOFACE_N16, CRYPTOFACE_REFRESH_BOUND, type CryptofaceParameterSet } from './cryptofaceParameters.js';
import { type CompileOptions, EncryptedCfnet, type ForwardOptions, type NetworkWeights, type Refresher } from './encryptedCfnet.js';
import type { GaloisKey } from '../../ckks/scheme/keys.js';
import type { KeyPhase, NetworkEvaluationKeys } from './networkKeys.js';

/** The phases a `PhasedKeySource` is asked for, in order (the bootstrap by CoeffsToSlots stage, then SlotsToCoeffs). */
export type ServerKeyPhase = Exclude<KeyPhase, 'all' | 'refresh'>;

/**
 * Keys handed over one phase at a time (`planNetworkKeys(net, bootstrapping, phase)` for each phase): a server that
 * keeps the evaluation keys serialised and loads only the current phase's set. At CRYPTOFACE_N16 the network's sets
 * are 3.9 GB (before the refresh) and 5.1 GB (after) instead of 13.6 GB for everything; the bootstrap's is split into
 * one set per CoeffsToSlots stage and one for SlotsToCoeffs (docs/encrypted-network.md §8).
 */
export interface PhasedKeySource {
  /**
   * The keys of one phase, in a fresh Map each call: the server empties the maps it is given when their phase ends
   * (so that the keys can be collected). The network phases' relinearisation keys are used per pass; the
   * bootstrap's relinearisation and encapsulation keys are taken once, from the set-up call ('slotsToCoeffs').
   */
  load(phase: ServerKeyPhase): NetworkEvaluationKeys;
}

export interface CryptofaceOptions {
  /** The parameter set the context was built from (default CRYPTOFACE_N16). */
  readonly set?: CryptofaceParameterSet;
  /** B, the bound on |block 3's output| (default CRYPTOFACE_REFRESH_BOUND). */
  readonly bound?: number;
  /** Patch side (default 32; reduced test networks use smaller). */
  readonly patchSize?: number;
  /** Passed to EncryptedCfnet.compile. */
  readonly hoisting?: CompileOptions['hoisting'];
}

/** What client and server derive from the same weights and options. */
export interface CryptofaceSetup {
  readonly net: EncryptedCfnet;
  readonly bootstrapping: BootstrappingParameters;
  readonly bound: number;
}

/** Compiles the network for the set's levels and derives the bootstrapping parameters that match it. */
export function compileCryptoface(ctx: CkksContext, weights: NetworkWeights, options: CryptofaceOptions = {}): CryptofaceSetup {
  const set = options.set ?? CRYPTOFACE_N16;
  const bound = options.bound ?? CRYPTOFACE_REFRESH_BOUND;
  if (!(Number.isFinite(bound) && bound > 0)) throw new RangeError(`bound must be a positive finite number, got ${bound}`);
  const p = ctx.params;
  if (p.logN !== set.params.logN || p.Q.length !== set.params.logQ?.length) {
    throw new CkksError('INCOMPATIBLE_PARAMETERS', `compileCryptoface: the context (N = 2^${p.logN}, ${p.Q.length} primes) is not the parameter set's (N = 2^${set.params.logN}, ${set.params.logQ?.length} primes)`);
  }
  const net = EncryptedCfnet.compile(ctx, weights, {
    slots: p.maxSlots, ...set.levels,
    ...(options.patchSize === undefined ? {} : { patchSize: options.patchSize }),
    ...(options.hoisting === undefined ? {} : { hoisting: options.hoisting }),
  });
  const logOutputScale = Math.log2(net.refreshScale * bound);
  const logEvalModScale = Math.round(Math.log2(Number(p.Q[p.maxLevel - set.bootstrapping.coeffsToSlotsLevels]!)));
  const logEvalModOutputScale = Math.max(logEvalModScale - set.bootstrapping.evalMod.logMessageRatio, Math.ceil(logOutputScale));
  const bootstrapping = new BootstrappingParameters(ctx, { ...set.bootstrapping, logOutputScale, logEvalModOutputScale });
  if (bootstrapping.levels.output < net.refreshLevel) {
    throw new CkksError('DEPTH_EXHAUSTED', `compileCryptoface: the bootstrap returns level ${bootstrapping.levels.output}, the network needs ${net.refreshLevel}`);
  }
  const layout = net.refreshLayout();
  if (layout === undefined) throw new CkksError('INCOMPATIBLE_PARAMETERS', 'compileCryptoface: the network has no refresh point');
  if (bootstrapping.slots % layout.period !== 0) {
    throw new CkksError('INCOMPATIBLE_PARAMETERS', `compileCryptoface: the refresh input has slot period ${layout.period}, which does not divide the bootstrap's ${bootstrapping.slots} slots`);
  }
  return { net, bootstrapping, bound };
}

export interface ServerOptions extends CryptofaceOptions {
  /** Bytes of encoded weights to keep (default Infinity; the rest are encoded during each forward pass). */
  readonly budgetBytes?: number;
  /**
   * Keep the bootstrap's DFT diagonals as float64 coefficients and encode each per use (≈ 3 GB less at N = 2^16,
   * a few seconds more per bootstrap). Default: true with a `PhasedKeySource`, false with all keys in memory.
   */
  readonly compactBootstrap?: boolean;
}

/**
 * A phase's keys are gigabytes at N = 2^16 and JavaScript cannot free memory: dropped keys wait for the garbage
 * collector, which may run only after the next phase has allocated its own. When the host exposes a collector
 * (`globalThis.gc`: Node with --expose-gc; the CLI, the HTTP service and the benchmarks provide it, src/cli/gc.ts),
 * the server asks for a collection at each phase boundary — on the calling thread and in the pool's workers, which
 * otherwise keep every shared polynomial they ever touched reachable (`ThreadPool.collectGarbage`) — so the peak is
 * one phase's keys, not two, and does not grow pass after pass; elsewhere (browsers) this does nothing.
 */
function collectGarbage(ctx: CkksContext): void {
  if (ctx.pool !== undefined) ctx.pool.collectGarbage();
  else collectHere();
}

const isPhased = (keys: NetworkEvaluationKeys | PhasedKeySource): keys is PhasedKeySource => typeof (keys as PhasedKeySource).load === 'function';

/**
 * Server side: evaluates the encrypted network with its bootstrap from evaluation keys alone — all of them at once,
 * or a `PhasedKeySource` that hands over one phase's set at a time (the bootstrap's relinearisation and
 * encapsulation keys and its encoded DFT diagonals stay resident; its Galois keys are loaded for the refresh only).
 */
export class EncryptedFaceServer {
  private constructor(
    readonly setup: CryptofaceSetup,
    /** The evaluator holding all the keys; with phased keys, only the bootstrap's relinearisation key. */
    readonly evaluator: Evaluator,
    readonly encoder: Encoder,
    readonly refresher: BootstrapRefresher,
    readonly store: PlaintextStore,
    private readonly phases: { source: PhasedKeySource; bootstrapKeys: Map<number, GaloisKey> } | undefined,
  ) {}

  /** Compiles, builds the evaluator and the bootstrapper (encoding its DFT diagonals) and encodes weights up to the budget. */
  static create(ctx: CkksContext, weights: NetworkWeights, keys: NetworkEvaluationKeys | PhasedKeySource, options: ServerOptions = {}): EncryptedFaceServer {
    const setup = compileCryptoface(ctx, weights, options);
    const { net, bootstrapping, bound } = setup;
    const encoder = new Encoder(ctx);
    let evaluator: Evaluator;
    let bootEvaluator: Evaluator;
    let encapsulationKeys = isPhased(keys) ? undefined : keys.encapsulationKeys;
    let phases: { source: PhasedKeySource; bootstrapKeys: Map<number, GaloisKey> } | undefined;
    if (isPhased(keys)) {
      const boot = keys.load('slotsToCoeffs'); // its relinearisation and encapsulation keys stay; Galois keys dropped
      encapsulationKeys = boot.encapsulationKeys;
      const bootstrapKeys = new Map<number, GaloisKey>(); // filled for each refresh, emptied after it
      bootEvaluator = new Evaluator(ctx, { relinearizationKey: boot.relinearizationKey, galoisKeys: bootstrapKeys });
      evaluator = bootEvaluator; // replaced per pass by the phases' evaluators
      phases = { source: keys, bootstrapKeys };
    } else {
      evaluator = new Evaluator(ctx, { relinearizationKey: keys.relinearizationKey, galoisKeys: keys.galoisKeys });
      bootEvaluator = evaluator;
    }
    // with phased keys (the memory-lean server) the DFT diagonals stay compact too: ≈ 3 GB less at N = 2^16
    const compactTransforms = options.compactBootstrap ?? isPhased(keys);
    const bootstrapper = new Bootstrapper(bootEvaluator, encoder, bootstrapping, {
      ...(encapsulationKeys === undefined ? {} : { encapsulationKeys }), paths: ['real'], compactTransforms,
    });
    const refresher = new BootstrapRefresher(bootEvaluator, bootstrapper, { level: net.refreshLevel, scale: net.refreshScale, bound, period: net.refreshLayout()!.period });
    const store = new PlaintextStore(options.budgetBytes ?? Infinity);
    net.prepare(encoder, store);
    return new EncryptedFaceServer(setup, evaluator, encoder, refresher, store, phases);
  }

  get net(): EncryptedCfnet {
    return this.setup.net;
  }

  /** The fused feature y (slots 0 … 255, before normalisation) at level `set.levelsAfterFusion`. */
  embed(input: readonly Ciphertext[], options: Omit<ForwardOptions, 'store' | 'evaluatorAfterRefresh'> = {}): Ciphertext {
    const net = this.setup.net;
    if (this.phases === undefined) return net.forward(this.evaluator, this.encoder, input, this.refresher, { ...options, store: this.store });
    const { source, bootstrapKeys } = this.phases;
    const ctx = net.context;
    const before = source.load('beforeRefresh');
    const refresher = this.refresher;
    const phasedRefresh: Refresher = {
      level: refresher.level,
      scale: refresher.scale,
      refresh: (cts) => {
        before.galoisKeys.clear(); // the layers before the refresh are done
        const fill = (phase: ServerKeyPhase) => {
          bootstrapKeys.clear();
          collectGarbage(ctx);
          for (const [e, k] of source.load(phase).galoisKeys) bootstrapKeys.set(e, k);
        };
        // the bootstrapper reports 'coeffsToSlots' when CoeffsToSlots starts and after each of its stages
        const stages = this.setup.bootstrapping.coeffsToSlotsLevels;
        let reports = 0;
        let slotsToCoeffs = false;
        try {
          return refresher.refresh(cts, (phase) => {
            if (phase === 'modRaise') fill('coeffsToSlots:0');
            if (phase === 'coeffsToSlots') {
              if (reports > 0 && reports < stages) fill(`coeffsToSlots:${reports}`);
              reports++;
            }
            if (phase === 'slotsToCoeffs' && !slotsToCoeffs) {
              fill('slotsToCoeffs');
              slotsToCoeffs = true;
            }
          }, true);
        } finally {
          bootstrapKeys.clear();
        }
      },
    };
    let after: Map<number, GaloisKey> | undefined;
    const evaluatorAfterRefresh = (): Evaluator => {
      collectGarbage(ctx); // the bootstrap's keys are gone
      const keys = source.load('afterRefresh');
      after = keys.galoisKeys;
      return new Evaluator(ctx, { relinearizationKey: keys.relinearizationKey, galoisKeys: keys.galoisKeys });
    };
    const evaluator = new Evaluator(ctx, { relinearizationKey: before.relinearizationKey, galoisKeys: before.galoisKeys });
    try {
      return net.forward(evaluator, this.encoder, input, phasedRefresh, { ...options, store: this.store, evaluatorAfterRefresh });
    } finally {
      before.galoisKeys.clear();
      after?.clear();
      collectGarbage(ctx);
    }
  }
}
