/**
 * Seeded randomness. Everything generated (worlds, transcripts, fault draws) comes from here, so the same seed always
 * gives the same world, and one call can be rebuilt alone from (seed, index) without generating the others.
 */

/** 32-bit FNV-1a over a string, then mixed. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mix32(h);
}

/** A strong 32-bit integer mix (murmur3 finalizer). */
export function mix32(x: number): number {
  let h = x | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const stringHashes = new Map<string, number>();

/** hashString with a small memo for the short constant labels used everywhere. */
function hashLabel(text: string): number {
  if (text.length > 40) return hashString(text);
  let h = stringHashes.get(text);
  if (h === undefined) {
    h = hashString(text);
    if (stringHashes.size > 50_000) stringHashes.clear();
    stringHashes.set(text, h);
  }
  return h;
}

/** Combines numbers and strings into one 32-bit seed. */
export function seedOf(...parts: (number | string)[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    const v = typeof part === 'number' ? mix32(part ^ Math.floor(part / 0x100000000)) : hashLabel(part);
    h = mix32(h ^ v) + 0x6d2b79f5;
  }
  return mix32(h);
}

/** The two hex digits of each byte value. */
const BYTE_HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/** The 6 hex digits of a 24-bit value (`v.toString(16).padStart(6, '0')`, through the table). */
function hex24(v: number): string {
  return BYTE_HEX[v >>> 16]! + BYTE_HEX[(v >>> 8) & 0xff]! + BYTE_HEX[v & 0xff]!;
}

/**
 * A v4 UUID from hex digits (20 or more; the last group is the digits from 20 on, or `tail`): digit 12 becomes the
 * version `4`, digit 16 the variant (8, 9, a or b).
 */
function uuidLayout(h: string, tail = h.slice(20)): string {
  const variant = '89ab'[parseInt(h[16]!, 16) & 3]!;
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${tail}`;
}

/** Weight tables are constants: sum them once. (Do not mutate a weights object after using it.) */
const weightCache = new WeakMap<object, { entries: [string, number][]; total: number }>();

export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  static of(...parts: (number | string)[]): Rng {
    return new Rng(seedOf(...parts));
  }

  /** mulberry32: fast, good enough for test data. */
  uint32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.uint32() / 0x100000000;
  }

  /** Integer in [min, max] (inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  float(min: number, max: number): number {
    return min + this.next() * (max - min);
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** Picks a key of `weights` with probability proportional to its weight. */
  weighted<K extends string>(weights: Readonly<Record<K, number>>): K {
    let cached = weightCache.get(weights);
    if (!cached) {
      const list = Object.entries(weights) as [string, number][];
      cached = { entries: list, total: list.reduce((sum, [, w]) => sum + w, 0) };
      weightCache.set(weights, cached);
    }
    const entries = cached.entries as [K, number][];
    let r = this.next() * cached.total;
    for (const [key, w] of entries) {
      r -= w;
      if (r < 0) return key;
    }
    return entries[entries.length - 1]![0];
  }

  /** `length` hex digits: each draw gives 8 (as `uint32().toString(16).padStart(8, '0')`, through a table). */
  hex(length: number): string {
    let out = '';
    while (out.length < length) {
      const v = this.uint32();
      out += BYTE_HEX[v >>> 24]! + hex24(v & 0xffffff);
    }
    return out.length === length ? out : out.slice(0, length);
  }

  /** A version-4 UUID. */
  uuid(): string {
    return uuidLayout(this.hex(32));
  }

  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [items[i], items[j]] = [items[j] as T, items[i] as T];
    }
    return items;
  }
}

/** A deterministic UUID (v4 layout) for a name in a seeded world. */
export function uuidFor(...parts: (number | string)[]): string {
  return Rng.of('uuid', ...parts).uuid();
}

/**
 * Reversible UUIDs for lazily generated rows: the last 12 hex digits hold a 48-bit Feistel permutation of the row
 * index, the rest is derived from (key, index). `decode` gets the index back without any lookup table, so a world
 * of 100,000 calls needs no id map in memory.
 */
export class IndexedUuids {
  private readonly keys: number[];

  constructor(private readonly key: string) {
    this.keys = [0, 1, 2, 3].map((round) => seedOf('feistel', key, round) & 0xffffff);
  }

  encode(index: number): string {
    const permuted = this.permute(index);
    // The 48-bit value as 12 hex digits: two 24-bit halves.
    const tail = hex24(Math.floor(permuted / 0x1000000)) + hex24(permuted % 0x1000000);
    return uuidLayout(Rng.of('indexed-uuid', this.key, index).hex(20), tail);
  }

  /** The index an id was made from, or undefined when the id is not one of ours. */
  decode(id: string): number | undefined {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id)) return undefined;
    const index = this.unpermute(parseInt(id.slice(24), 16));
    return this.encode(index) === id ? index : undefined;
  }

  private permute(value: number): number {
    let left = Math.floor(value / 0x1000000) & 0xffffff;
    let right = value & 0xffffff;
    for (const k of this.keys) {
      const next = (left ^ (mix32(right ^ k) & 0xffffff)) & 0xffffff;
      left = right;
      right = next;
    }
    return left * 0x1000000 + right;
  }

  private unpermute(value: number): number {
    let left = Math.floor(value / 0x1000000) & 0xffffff;
    let right = value & 0xffffff;
    for (let i = this.keys.length - 1; i >= 0; i--) {
      const prev = (right ^ (mix32(left ^ this.keys[i]!) & 0xffffff)) & 0xffffff;
      right = left;
      left = prev;
    }
    return left * 0x1000000 + right;
  }
}
