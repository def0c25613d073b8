/**
 * Where the bytes of stored document versions live (docs/mongo-wire.md §9, "Version bytes in an arena").
 *
 * Each stored version's BSON would otherwise be a Buffer of its own, that is memory outside the JavaScript heap that
 * only a full collection frees once the version is superseded. V8 starts a full collection whenever such memory has
 * grown by ~64 MB since the last one, so a steady stream of updates kept causing full collections of the whole
 * database heap (0.3–0.5 s of marking with the bench's 100,000 documents), with commands crawling meanwhile. Here the
 * bytes are copied into large chunks allocated once, and a superseded version's slot is put back on a free list and
 * reused by a later version of about the same size: memory outside the heap stops growing once the chunks cover the
 * working set.
 *
 * A slot may be reused only when nothing can still read the superseded bytes. Within a command, a reply may carry a
 * version that the same command superseded (findAndModify's document before the update), so a slot retired during a
 * command is not reused before the next command starts (its reply is encoded by then: server.ts encodes it right after
 * running it, synchronously). An open cursor holds the versions it matched, to send in later batches, so a slot
 * retired at or after a cursor's command is not reused while that cursor is open. Callers pass that bound to
 * `release` (engine.ts).
 */

/** the first chunk; each further one doubles, up to MAX_CHUNK (small engines, as in tests, stay small) */
const FIRST_CHUNK = 64 * 1024;
const MAX_CHUNK = 8 * 1024 * 1024;
/** larger documents keep a Buffer of their own (rare; the chunks stay dense) */
export const MAX_SLOT = 1024 * 1024;

/**
 * The slot size for `n` bytes: a multiple of 16 up to 128 bytes, above that a multiple of an eighth of the largest
 * power of two not above `n`, so a slot wastes at most 12.5% and documents of about the same size share slots.
 */
export function slotSize(n: number): number {
  if (n <= 128) return Math.max(16, (n + 15) & ~15);
  const step = 2 ** (Math.floor(Math.log2(n)) - 3);
  return Math.ceil(n / step) * step;
}

export interface ArenaStats {
  /** bytes of all chunks allocated (memory outside the heap this arena holds) */
  chunkBytes: number;
  /** versions copied into a slot */
  stored: number;
  /** of those, into a slot that an earlier version had used */
  reused: number;
  /** slots waiting for `release` */
  retiredPending: number;
  /** slots free for reuse */
  free: number;
}

export class ByteArena {
  /** the command being run (engine.ts sets it); slots retired now are tagged with it */
  epoch = 0;
  private readonly chunks = new Set<ArrayBuffer>();
  private current: Buffer | undefined;
  private used = 0;
  private nextChunk = FIRST_CHUNK;
  /** free slots by slot size; each entry is a view of the slot (its length is the last document's, not the slot's) */
  private readonly free = new Map<number, Buffer[]>();
  private freeCount = 0;
  /** retired slots in the order retired, with the command (epoch) that retired them */
  private retiredViews: Buffer[] = [];
  private retiredEpochs: number[] = [];
  private retiredHead = 0;
  private stored = 0;
  private reused = 0;

  /**
   * A copy of `bytes` in a slot (a view of a chunk), or `bytes` itself when larger than MAX_SLOT. The caller keeps the
   * result as the version's bytes and must `retire` it exactly once when the version stops being stored.
   */
  store(bytes: Buffer): Buffer {
    const n = bytes.length;
    if (n > MAX_SLOT) return bytes;
    const size = slotSize(n);
    const slot = this.free.get(size)?.pop();
    let view: Buffer;
    if (slot) {
      this.freeCount--;
      this.reused++;
      view = Buffer.from(slot.buffer, slot.byteOffset, n);
    } else {
      view = this.carve(size, n);
    }
    bytes.copy(view, 0);
    this.stored++;
    return view;
  }

  /**
   * The slot of `view` (a result of `store`) is no longer a stored version's. It becomes free at the first
   * `release` whose bound is above the current `epoch`. Views that are not in a chunk (documents above MAX_SLOT) are
   * left to the garbage collector.
   */
  retire(view: Buffer): void {
    if (!this.chunks.has(view.buffer as ArrayBuffer)) return;
    this.retiredViews.push(view);
    this.retiredEpochs.push(this.epoch);
  }

  /** Frees every retired slot whose epoch is below `bound` (no reader that could hold it remains). */
  release(bound: number): void {
    let i = this.retiredHead;
    const views = this.retiredViews;
    const epochs = this.retiredEpochs;
    while (i < views.length && epochs[i]! < bound) {
      const view = views[i]!;
      const size = slotSize(view.length);
      let list = this.free.get(size);
      if (!list) this.free.set(size, (list = []));
      list.push(view);
      this.freeCount++;
      i++;
    }
    if (i === views.length) {
      this.retiredViews = [];
      this.retiredEpochs = [];
      this.retiredHead = 0;
    } else if (i > 1024 && i * 2 > views.length) {
      this.retiredViews = views.slice(i);
      this.retiredEpochs = epochs.slice(i);
      this.retiredHead = 0;
    } else {
      this.retiredHead = i;
    }
  }

  /** whether any retired slot waits for `release` */
  get pending(): boolean {
    return this.retiredHead < this.retiredViews.length;
  }

  stats(): ArenaStats {
    let chunkBytes = 0;
    for (const c of this.chunks) chunkBytes += c.byteLength;
    return {
      chunkBytes,
      stored: this.stored,
      reused: this.reused,
      retiredPending: this.retiredViews.length - this.retiredHead,
      free: this.freeCount,
    };
  }

  /** A new slot of `size` bytes from the current chunk (a new chunk when it has no room), as a view of `n` bytes. */
  private carve(size: number, n: number): Buffer {
    if (!this.current || this.used + size > this.current.length) {
      const bytes = Math.max(this.nextChunk, size);
      this.nextChunk = Math.min(this.nextChunk * 2, MAX_CHUNK);
      // allocUnsafeSlow: a chunk of its own, never a slice of Node's shared pool; every slot is written before use
      this.current = Buffer.allocUnsafeSlow(bytes);
      this.chunks.add(this.current.buffer as ArrayBuffer);
      this.used = 0;
    }
    const view = Buffer.from(this.current.buffer, this.current.byteOffset + this.used, n);
    this.used += size;
    return view;
  }
}
