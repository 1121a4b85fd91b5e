/**
 * The server (docs/face-pipeline.md, docs/threat-model.md): built from the shared setup and `ServerKeys` alone — no
 * type here can hold a secret key — it runs the encrypted CryptoFaceNet with its bootstrap (encryptedFaceServer.ts),
 * normalises the feature, matches it blind (encryptedMatch.ts) and returns one masked, noise-flooded verdict.
 *
 *   enrol(probe)              → template message (the normalised feature ŷ, one copy in slots 0 … 255)
 *   verify(probe, template)   → verdict message (slot 0: r·(‖ŷ_p − ŷ_t‖² − τ), r > 0 random; everything else masked)
 *   packGallery(templates)    → gallery message (up to slots/256 templates in one ciphertext: 128 at N = 2^16)
 *   identify(probe, gallery)  → verdict message (slot 256·g: r_g·score_g for template g)
 *   probe(probe)              → a session: the network runs once, then .verify / .identify as often as needed
 *
 * Messages are bytes in and bytes out (messages.ts): a probe or template of another parameter set or model is
 * refused (INCOMPATIBLE_PARAMETERS), corrupt bytes are refused (CORRUPT_INPUT), never computed on.
 */
import { CkksError } from '../../ckks/errors.js';
import type { RandomSource } from '../../ckks/ring/randomSource.js';
import type { Ciphertext } from '../../ckks/scheme/plaintext.js';
import { EncryptedFaceServer } from '../encrypted/encryptedFaceServer.js';
import { EncryptedMatcher } from '../encrypted/encryptedMatch.js';
import { ServerKeys, readGaloisKey, readResidentKeys, type KeyBlobStore } from './evaluationKeys.js';
import { Evaluator } from '../../ckks/scheme/evaluator.js';
import type { GaloisKey } from '../../ckks/scheme/keys.js';
import { conjugationElement, galoisElementForRotation } from '../../ckks/ring/automorphism.js';
import { planNetworkKeys } from '../encrypted/networkKeys.js';
import type { PhasedKeySource } from '../encrypted/encryptedFaceServer.js';
import { matcherKeyPlan } from '../encrypted/encryptedMatch.js';
import type { FaceSetup } from './faceSetup.js';
import { deserializeFaceMessage, serializeFaceMessage, type FaceMessage, type FaceMessageKind } from './messages.js';

export interface FaceServerOptions {
  /** Bytes of encoded network weights kept in memory (default Infinity); the rest are encoded during each pass. */
  readonly budgetBytes?: number;
  /** Source of the verdict multipliers and the flooding noise (default crypto.getRandomValues; tests only). */
  readonly random?: RandomSource;
  /** Called after each phase with its wall-clock milliseconds (network, bootstrap inside it, normalise, match). */
  readonly onPhase?: (phase: 'network' | 'normalize' | 'match' | 'pack', ms: number) => void;
  /** Called after each layer of the network (and the refresh) with its name and milliseconds: progress bars. */
  readonly onLayer?: (layer: string, ms: number) => void;
  /**
   * With keys in a `KeyBlobStore`: called after each phase's keys were read from the store (the phase, how many
   * Galois keys, their bytes in memory, milliseconds): what reading keys per phase costs.
   */
  readonly onKeys?: (phase: string, keys: number, bytes: number, ms: number) => void;
}

/** A probe whose feature has been computed: match it against templates and galleries without re-running the network. */
export interface ProbeSession {
  /** The probe's normalised feature ŷ (a ciphertext the server computed; for diagnostics and benchmarks). */
  readonly feature: Ciphertext;
  verify(template: Uint8Array): Uint8Array;
  identify(gallery: Uint8Array): Uint8Array;
}

export class FaceServer {
  private constructor(
    readonly setup: FaceSetup,
    readonly network: EncryptedFaceServer,
    readonly matcher: EncryptedMatcher,
    private readonly onPhase: FaceServerOptions['onPhase'],
    private readonly onLayer: FaceServerOptions['onLayer'],
  ) {}

  /**
   * Encodes the network's weights (up to the budget) and the bootstrap's DFT matrices: minutes and gigabytes at
   * N = 2^16. `keys` must hold every key of `setup.keyPlan()`.
   */
  static create(setup: FaceSetup, keys: ServerKeys | KeyBlobStore, options: FaceServerOptions = {}): FaceServer {
    const ctx = setup.context;
    const networkOptions = {
      set: setup.options.set, ...(setup.options.bound === undefined ? {} : { bound: setup.options.bound }),
      ...(setup.options.patchSize === undefined ? {} : { patchSize: setup.options.patchSize }),
      ...(options.budgetBytes === undefined ? {} : { budgetBytes: options.budgetBytes }),
    };
    let network: EncryptedFaceServer;
    let matcherEvaluator: Evaluator;
    let publicKey;
    if (keys instanceof ServerKeys) {
      network = EncryptedFaceServer.create(ctx, setup.weights, {
        relinearizationKey: keys.relinearizationKey, galoisKeys: new Map(keys.galoisKeys), encapsulationKeys: keys.encapsulationKeys,
      }, networkOptions);
      matcherEvaluator = network.evaluator;
      publicKey = keys.publicKey;
    } else {
      // keys stay in the store: each phase of a pass reads its own (EncryptedFaceServer's PhasedKeySource)
      const plan = setup.keyPlan();
      const resident = readResidentKeys(ctx, plan, keys);
      publicKey = resident.publicKey;
      const levels = new Map(plan.galoisKeys.map((k) => [k.galoisElement, k.level]));
      const source: PhasedKeySource = {
        load: (phase) => {
          const t0 = performance.now();
          const part = planNetworkKeys(setup.crypto.net, setup.crypto.bootstrapping, phase);
          const galoisKeys = new Map<number, GaloisKey>();
          let bytes = 0;
          for (const k of part.galoisKeys) {
            const key = readGaloisKey(ctx, keys, k.galoisElement, Math.min(k.level, levels.get(k.galoisElement) ?? k.level));
            galoisKeys.set(k.galoisElement, key);
            bytes += 2 * key.digitCount * key.b[0]!.data.byteLength;
          }
          options.onKeys?.(phase, galoisKeys.size, bytes, performance.now() - t0);
          return { relinearizationKey: resident.relinearizationKey, galoisKeys, encapsulationKeys: resident.encapsulationKeys };
        },
      };
      network = EncryptedFaceServer.create(ctx, setup.weights, source, networkOptions);
      // the matcher's keys are small (low levels): resident
      const m = matcherKeyPlan(setup.featureLayout);
      const N = ctx.ringDegree;
      const matcherKeys = new Map<number, GaloisKey>();
      for (const [step, level] of m.rotationKeyLevels) {
        const e = galoisElementForRotation(step, N);
        matcherKeys.set(e, readGaloisKey(ctx, keys, e, level));
      }
      matcherKeys.set(conjugationElement(N), readGaloisKey(ctx, keys, conjugationElement(N), m.conjugationLevel));
      matcherEvaluator = new Evaluator(ctx, { relinearizationKey: resident.relinearizationKey, galoisKeys: matcherKeys });
    }
    const w = setup.weights;
    const matcher = new EncryptedMatcher(ctx, matcherEvaluator, network.encoder, publicKey, w.normalization, w.tau, setup.featureLayout, {
      ...setup.options.matcher, ...(options.random === undefined ? {} : { random: options.random }),
    });
    return new FaceServer(setup, network, matcher, options.onPhase, options.onLayer);
  }

  /** Probe → template: the encrypted network, its bootstrap, the normalisation. */
  enrol(probe: Uint8Array): Uint8Array {
    const t = this.normalizedProbe(probe);
    return this.message('template', { level: t.level }, [t]);
  }

  /** Probe × template → verdict (1:1). */
  verify(probe: Uint8Array, template: Uint8Array): Uint8Array {
    return this.probe(probe).verify(template);
  }

  /** Probe × gallery → one verdict per template (1:N). */
  identify(probe: Uint8Array, gallery: Uint8Array): Uint8Array {
    return this.probe(probe).identify(gallery);
  }

  /**
   * Runs the network on a probe once (the expensive part) and returns a session that matches its normalised feature
   * against any number of templates and galleries, each answer a separate masked, flooded verdict message.
   */
  probe(probe: Uint8Array): ProbeSession {
    const p = this.normalizedProbe(probe);
    return {
      feature: p,
      verify: (template: Uint8Array): Uint8Array => {
        const tpl = this.read(template, 'template');
        const v = this.timed('match', () => this.matcher.verify(p, tpl.ciphertexts[0]!));
        return this.message('verdict', { mode: 'verify', block: v.verdicts.block, count: v.verdicts.count }, [v.ciphertext]);
      },
      identify: (gallery: Uint8Array): Uint8Array => {
        const gal = this.read(gallery, 'gallery');
        const count = gal.metadata['count'];
        if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > this.matcher.galleryCapacity) {
          throw new CkksError('CORRUPT_INPUT', `gallery template count ${String(count)} is outside [1, ${this.matcher.galleryCapacity}]`);
        }
        const v = this.timed('match', () => this.matcher.identify(p, { ciphertext: gal.ciphertexts[0]!, count }));
        return this.message('verdict', { mode: 'identify', block: v.verdicts.block, count: v.verdicts.count }, [v.ciphertext]);
      },
    };
  }

  /** Templates → one gallery ciphertext (at most `matcher.galleryCapacity` templates, in the given order). */
  packGallery(templates: readonly Uint8Array[]): Uint8Array {
    if (templates.length < 1 || templates.length > this.matcher.galleryCapacity) {
      throw new RangeError(`packGallery: 1 … ${this.matcher.galleryCapacity} templates per gallery, got ${templates.length}`);
    }
    const cts = templates.map((t) => this.read(t, 'template').ciphertexts[0]!);
    const g = this.timed('pack', () => this.matcher.packGallery(cts));
    return this.message('gallery', { count: g.count }, [g.ciphertext]);
  }

  private normalizedProbe(bytes: Uint8Array): Ciphertext {
    const m = this.read(bytes, 'probe');
    const net = this.network.net;
    const expected = net.inputLayout.ciphertexts;
    if (m.ciphertexts.length !== expected) throw new CkksError('CORRUPT_INPUT', `a probe holds ${expected} ciphertexts, this one ${m.ciphertexts.length}`);
    for (const ct of m.ciphertexts) {
      if (ct.level !== net.inputLevel || ct.scale !== net.inputScale || ct.degree !== 1 || ct.slots !== this.setup.context.params.maxSlots) {
        throw new CkksError('INCOMPATIBLE_PARAMETERS', `probe ciphertexts must be degree 1 at level ${net.inputLevel}, scale 2^${Math.log2(net.inputScale).toFixed(2)}, full slots`);
      }
    }
    const y = this.timed('network', () => this.network.embed(m.ciphertexts, this.onLayer === undefined ? {} : { profile: this.onLayer }));
    return this.timed('normalize', () => this.matcher.normalize(y));
  }

  private read(bytes: Uint8Array, kind: FaceMessageKind): FaceMessage {
    const m = deserializeFaceMessage(this.setup.context, bytes, kind);
    if (m.model !== this.setup.model) throw new CkksError('INCOMPATIBLE_PARAMETERS', `the ${kind} was computed with another model (${m.model.slice(0, 12)}…, this server runs ${this.setup.model.slice(0, 12)}…)`);
    if ((kind === 'template' || kind === 'gallery') && m.ciphertexts.length !== 1) throw new CkksError('CORRUPT_INPUT', `a ${kind} holds one ciphertext`);
    if (kind === 'template' || kind === 'gallery') {
      const t = m.ciphertexts[0]!;
      if (t.level !== this.matcher.templateLevel || t.degree !== 1) throw new CkksError('INCOMPATIBLE_PARAMETERS', `a ${kind} must be a degree-1 ciphertext at level ${this.matcher.templateLevel}`);
    }
    return m;
  }

  private message(kind: FaceMessageKind, metadata: Record<string, number | string>, cts: Ciphertext[]): Uint8Array {
    return serializeFaceMessage({ kind, model: this.setup.model, metadata, ciphertexts: cts });
  }

  private timed<T>(phase: 'network' | 'normalize' | 'match' | 'pack', f: () => T): T {
    const t0 = performance.now();
    const r = f();
    this.onPhase?.(phase, performance.now() - t0);
    return r;
  }
}
