/**
 * Recycled buffers for big response bodies. A list page of the Vapi fake is 1–7 MB, and a fresh Buffer for every
 * page costs page faults (new memory from the OS, expensive in a VM) and garbage collections triggered by external
 * memory, more than writing the page. A page's buffer goes back to the pool once nothing uses it: out of the page
 * cache, and every response that carried it sent (see `FakeResponse.onSent`).
 */

/** Bytes in a pooled buffer, reference counted: whoever keeps or sends them retains, then releases, once each. */
export class PooledBytes {
  private refs = 1;

  constructor(
    /** The bytes (a view of the pooled buffer, exactly as long as the content). */
    readonly bytes: Buffer,
    private readonly backing: Buffer,
    private readonly pool: BufferPool,
  ) {}

  retain(): void {
    if (this.refs <= 0) throw new Error('PooledBytes retained after its last release');
    this.refs++;
  }

  /** The last release hands the buffer back to the pool (its bytes must not be read any more). */
  release(): void {
    if (this.refs <= 0) throw new Error('PooledBytes released more often than retained');
    if (--this.refs === 0) this.pool.give(this.backing);
  }
}

export class BufferPool {
  private readonly free: Buffer[] = [];
  private freeBytes = 0;

  /** Keeps at most `maxFreeBytes` of free buffers; the rest is left to the garbage collector. */
  constructor(private readonly maxFreeBytes: number) {}

  /** A copy of `source` in a pooled buffer, retained once (by the caller). */
  copyOf(source: Uint8Array): PooledBytes {
    const n = source.length;
    // The smallest free buffer that fits without wasting more than half of it.
    let best = -1;
    for (let k = 0; k < this.free.length; k++) {
      const capacity = this.free[k]!.length;
      if (capacity >= n && capacity <= 2 * n + 65_536 && (best < 0 || capacity < this.free[best]!.length)) best = k;
    }
    let backing: Buffer;
    if (best >= 0) {
      backing = this.free[best]!;
      this.free[best] = this.free[this.free.length - 1]!;
      this.free.pop();
      this.freeBytes -= backing.length;
    } else {
      // A quarter more than needed, in steps of an eighth of the size: the next pages, a bit larger or smaller, fit.
      const wanted = n + (n >> 2) + 1024;
      const step = 2 ** Math.max(12, Math.floor(Math.log2(wanted)) - 3);
      backing = Buffer.allocUnsafeSlow(Math.ceil(wanted / step) * step);
    }
    backing.set(source, 0);
    return new PooledBytes(backing.subarray(0, n), backing, this);
  }

  give(backing: Buffer): void {
    this.free.push(backing);
    this.freeBytes += backing.length;
    // Over the limit, the smallest buffers go first: pages grow (older calls carry more), larger buffers fit more.
    while (this.freeBytes > this.maxFreeBytes) {
      let smallest = 0;
      for (let k = 1; k < this.free.length; k++) if (this.free[k]!.length < this.free[smallest]!.length) smallest = k;
      this.freeBytes -= this.free[smallest]!.length;
      this.free[smallest] = this.free[this.free.length - 1]!;
      this.free.pop();
    }
  }
}
