/**
 * Reuse of the shared memory of temporaries. A context with a thread pool allocates every polynomial in a fresh
 * `SharedArrayBuffer`; V8 maps fresh pages for each and frees them only when every thread that saw the buffer has
 * collected it. A key switch at N = 2^14 with eight digits allocates ≈ 15 MB of temporaries (the digits, the
 * accumulators, a coefficient copy), which cost page faults and zeroing on every call — measured ≈ 3,300 faults and
 * 15 ms of system time per rotation on two threads, against ≈ 750 faults on one thread, where the C allocator reuses
 * ordinary ArrayBuffers by itself.
 *
 * The scheme hands back temporaries it owns (`releasePoly` in rnsPoly.ts, called only where the polynomial cannot be
 * referenced any more: a decomposition after its last key product, a job's internal accumulators after the job) and
 * the next allocation of the same size takes one of them, zeroed. Bounded: at most `maxBytes` are held, and
 * `clear()` (called by `ThreadPool.collectGarbage` and `dispose`) drops them all.
 *
 * When a release would pass `maxBytes`, the buffers held longest are dropped to make room (least recently released
 * first). A circuit that walks down the levels (a network's layers) releases ever smaller polynomials; refusing them
 * once the bound is reached would keep the sizes of levels it has left, and no later allocation could use them.
 */
export class SharedBufferRecycler {
  /** byte length → released buffers of that length (last in, first out: the warmest pages first). */
  private readonly free = new Map<number, SharedArrayBuffer[]>();
  /** Every held buffer in the order it was released (a Map iterates in insertion order): the eviction order. */
  private readonly order = new Map<SharedArrayBuffer, number>();
  /** Buffers this recycler handed out, so that a foreign buffer (or a view into one) is never taken in. */
  private readonly owned = new WeakSet<SharedArrayBuffer>();
  private heldBytes = 0;
  /** Allocations served from released buffers / freshly; held buffers dropped to make room for a newer release. */
  readonly counters = { reused: 0, fresh: 0, evicted: 0 };

  constructor(readonly maxBytes: number) {
    if (!(maxBytes >= 0)) throw new RangeError(`SharedBufferRecycler: maxBytes must be ≥ 0, got ${String(maxBytes)}`);
  }

  /** Bytes currently held for reuse. */
  get held(): number {
    return this.heldBytes;
  }

  /** A zeroed array of `words` 64-bit words, and whether it is fresh memory (not a reused buffer). */
  allocate(words: number): { data: BigUint64Array; fresh: boolean } {
    const bytes = words * 8;
    const list = this.free.get(bytes);
    const reused = list?.pop();
    if (reused !== undefined) {
      this.order.delete(reused);
      this.heldBytes -= bytes;
      this.counters.reused++;
      return { data: new BigUint64Array(reused).fill(0n), fresh: false };
    }
    const buffer = new SharedArrayBuffer(bytes);
    this.owned.add(buffer);
    this.counters.fresh++;
    return { data: new BigUint64Array(buffer), fresh: true };
  }

  /**
   * Takes `data`'s buffer back for reuse when it is a whole buffer this recycler allocated and there is room; the
   * caller must not use `data` (or any other view of its buffer) afterwards. Returns whether it was taken.
   */
  release(data: BigUint64Array): boolean {
    const buffer = data.buffer;
    if (!(buffer instanceof SharedArrayBuffer) || !this.owned.has(buffer)) return false;
    if (data.byteOffset !== 0 || data.byteLength !== buffer.byteLength) return false;
    if (this.order.has(buffer)) throw new RangeError('SharedBufferRecycler: a buffer released twice');
    if (buffer.byteLength > this.maxBytes) return false;
    while (this.heldBytes + buffer.byteLength > this.maxBytes) this.evictOldest();
    const list = this.free.get(buffer.byteLength) ?? [];
    list.push(buffer);
    this.free.set(buffer.byteLength, list);
    this.order.set(buffer, buffer.byteLength);
    this.heldBytes += buffer.byteLength;
    return true;
  }

  /** Drops the buffer held longest (the first of its size's list: lists grow at the end, in release order). */
  private evictOldest(): void {
    const [buffer, bytes] = this.order.entries().next().value as [SharedArrayBuffer, number];
    this.order.delete(buffer);
    const list = this.free.get(bytes)!;
    list.shift();
    if (list.length === 0) this.free.delete(bytes);
    this.heldBytes -= bytes;
    this.counters.evicted++;
  }

  /** Drops every held buffer (they are freed once no thread references them). */
  clear(): void {
    this.free.clear();
    this.order.clear();
    this.heldBytes = 0;
  }
}
