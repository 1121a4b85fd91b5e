/** Opt-in multi-threading: a worker pool over shared-memory polynomials (docs/threads.md). */
export { DEFAULT_MIN_PARALLEL_WORK, ThreadPool, threadSupport, type ThreadPoolOptions } from './pool.js';
