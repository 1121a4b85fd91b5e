/**
 * Messages between the HTTP thread and the job worker (jobWorker.ts, Node only). The worker owns everything heavy —
 * the FaceSetup, its thread pool, one client's FaceServer — and runs one job at a time; the HTTP thread owns storage
 * and the queue (jobQueue.ts).
 */
import type { PresetName, SetupDescription } from './presets.js';

export type JobKind = 'enrol' | 'verify' | 'identify';

export interface WorkerStart {
  readonly preset: PresetName;
  /** Package root (models/ below it). */
  readonly root: string;
  /** Threads of the worker's pool, the worker's own included. */
  readonly threads: number;
  /** Bytes of encoded network weights kept in memory per FaceServer (FaceServerOptions.budgetBytes). */
  readonly budgetBytes: number;
}

/** What the worker reports once its setup is built. */
export interface SetupInfo {
  readonly model: string;
  readonly preset: PresetName;
  readonly description: SetupDescription;
  /** Blob names of `evaluationKeyNames(plan)`, in generation order. */
  readonly keyNames: readonly string[];
  /** `Parameters.fingerprint()`: every key and ciphertext header carries it. */
  readonly fingerprint: string;
  /** Largest planned key in memory, and all of them (unseeded bytes: an upload is at most this). */
  readonly largestKeyBytes: number;
  readonly allKeysBytes: number;
  /** Bytes of an unseeded probe (a seeded one is about half). */
  readonly probeBytes: number;
  /** Templates one identification can take (one gallery ciphertext). */
  readonly galleryCapacity: number;
  /** Layers the network reports per pass (progress total). */
  readonly layers: number;
}

export type ToWorker =
  | { readonly type: 'job'; readonly id: string; readonly kind: JobKind; readonly clientId: string; readonly keyDirectory: string; readonly probe: Uint8Array; readonly templates: readonly string[] }
  | { readonly type: 'evict'; readonly clientId: string };

export type FromWorker =
  | { readonly type: 'ready'; readonly info: SetupInfo }
  | { readonly type: 'progress'; readonly id: string; readonly phase: string; readonly done: number; readonly total: number }
  | { readonly type: 'result'; readonly id: string; readonly bytes: Uint8Array; readonly seconds: number }
  | { readonly type: 'failed'; readonly id: string; readonly code: string; readonly message: string; readonly seconds: number };
