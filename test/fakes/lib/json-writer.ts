/**
 * Writes JSON text straight into a growing byte buffer, UTF-8 encoded as it goes, with the exact bytes
 * `Buffer.from(JSON.stringify(value))` would give. The Vapi fake renders list pages of thousands of generated calls
 * with it: building them as JS strings cost more in concatenation, flattening and encoding than in generating the
 * calls themselves.
 */

/** Encoded bytes of sharedChars strings, and of the fragments given to `ascii`. */
const sharedBytes = new Map<string, Buffer>();
const fragmentBytes = new Map<string, Buffer>();

/** `YYYY-MM-DDT` of each day an ISO date was written for (by day number since the epoch). */
const isoDays = new Map<number, Buffer>();
const DAY_MS = 86_400_000;

/** A reusable buffer of JSON bytes (one list page, or one call). Not for concurrent use: write, view, reset. */
export class JsonWriter {
  private buf: Buffer;
  /** Bytes written so far. */
  length = 0;

  constructor(initialBytes = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  reset(): void {
    this.length = 0;
  }

  /** The bytes written so far (a view of the writer's buffer: valid until the next write or reset). */
  view(): Buffer {
    return this.buf.subarray(0, this.length);
  }

  toString(): string {
    return this.buf.toString('utf8', 0, this.length);
  }

  /** Room for `bytes` more bytes. */
  private reserve(bytes: number): Buffer {
    const needed = this.length + bytes;
    if (needed > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, this.buf.length * 2));
      this.buf.copy(grown, 0, 0, this.length);
      this.buf = grown;
    }
    return this.buf;
  }

  /**
   * A JSON fragment written as is: keys and punctuation between values, ASCII, nothing to escape. They are the same
   * few dozen strings over and over, so the longer ones are kept encoded (copying bytes beats reading characters).
   */
  ascii(s: string): void {
    if (s.length <= 8) {
      this.plainAscii(s);
      return;
    }
    let bytes = fragmentBytes.get(s);
    if (bytes === undefined) {
      bytes = Buffer.from(s, 'latin1');
      if (fragmentBytes.size >= 1024) fragmentBytes.clear();
      fragmentBytes.set(s, bytes);
    }
    this.bytes(bytes);
  }

  /** ASCII text that needs no escaping, written character by character (numbers printed by JavaScript, dates). */
  private plainAscii(s: string): void {
    const n = s.length;
    const buf = this.reserve(n);
    let o = this.length;
    for (let i = 0; i < n; i++) buf[o++] = s.charCodeAt(i);
    this.length = o;
  }

  /** Any text written as is (already JSON, e.g. a JSON.stringify result), UTF-8 encoded like Buffer.from. */
  raw(s: string): void {
    const buf = this.reserve(s.length * 3);
    this.length += buf.write(s, this.length, 'utf8');
  }

  /** A JSON string: quotes, JSON.stringify's escaping, UTF-8. */
  string(s: string): void {
    this.byte(0x22);
    this.chars(s);
    this.byte(0x22);
  }

  /**
   * The inside of a JSON string (no quotes), escaped as JSON.stringify escapes it. Most strings need no escape: the
   * native encoder writes them at once (it also flattens a string built by concatenation once, where a JS loop would
   * walk its tree character by character); the rest go through JSON.stringify itself.
   */
  chars(s: string): void {
    this.raw(NEEDS_ESCAPE.test(s) ? JSON.stringify(s).slice(1, -1) : s);
  }

  /**
   * chars(s) for strings many calls share (system prompts, ids of orgs, assistants and phone numbers, statuses): the
   * encoded bytes are kept by string, so each is escaped and encoded once.
   */
  sharedChars(s: string): void {
    let bytes = sharedBytes.get(s);
    if (bytes === undefined) {
      bytes = Buffer.from(JSON.stringify(s).slice(1, -1), 'utf8');
      if (sharedBytes.size >= 4096) sharedBytes.clear();
      sharedBytes.set(s, bytes);
    }
    this.bytes(bytes);
  }

  /** sharedChars between quotes. */
  sharedString(s: string): void {
    this.byte(0x22);
    this.sharedChars(s);
    this.byte(0x22);
  }

  /** Bytes as they are. */
  bytes(bytes: Uint8Array): void {
    const n = bytes.length;
    const buf = this.reserve(n);
    let o = this.length;
    if (n > 16) {
      buf.set(bytes, o);
      o += n;
    } else {
      for (let i = 0; i < n; i++) buf[o++] = bytes[i]!;
    }
    this.length = o;
  }

  byte(b: number): void {
    const buf = this.reserve(1);
    buf[this.length++] = b;
  }

  /** Appends a copy of bytes already written, [start, end) (a JSON fragment that appears twice). */
  repeat(start: number, end: number): void {
    const n = end - start;
    const buf = this.reserve(n);
    let o = this.length;
    if (n > 16) {
      buf.copyWithin(o, start, end);
      o += n;
    } else {
      for (let i = start; i < end; i++) buf[o++] = buf[i]!;
    }
    this.length = o;
  }

  /** A number as JSON.stringify prints it; whole numbers below 10¹⁵ (epoch milliseconds) without V8's double printer. */
  number(x: number): void {
    if (x >= 0 && x < 1e15 && Number.isInteger(x)) this.wholeNumber(x);
    else this.plainAscii(JSON.stringify(x));
  }

  /**
   * A number rounded to `digits` decimals, `Math.round(v * 10^digits) / 10^digits`, as JSON.stringify prints it.
   * Such a double is the one nearest to the decimal n / 10^digits, and with at most 15 significant digits no shorter
   * decimal rounds to it, so the shortest round-trip text JavaScript prints is that decimal (in plain notation: it is
   * at least 10⁻⁶), written here from integers. Anything else (not such a multiple, negative, huge) goes through
   * JSON.stringify.
   */
  decimal(x: number, digits: 1 | 2 | 3 | 4 | 5 | 6): void {
    const scale = POWERS_OF_TEN[digits]!;
    const n = Math.round(x * scale);
    if (!(n >= 0 && n < 1e15 && n / scale === x)) {
      this.plainAscii(JSON.stringify(x));
      return;
    }
    const whole = Math.floor(n / scale);
    this.wholeNumber(whole);
    let fraction = n - whole * scale;
    if (fraction === 0) return;
    // The fraction's digits, zero-padded to `digits`, trailing zeros dropped.
    let width = digits;
    while (fraction % 10 === 0) {
      fraction /= 10;
      width--;
    }
    const buf = this.reserve(width + 1);
    let o = this.length;
    buf[o] = 0x2e;
    for (let k = width; k > 0; k--) {
      buf[o + k] = 0x30 + (fraction % 10);
      fraction = Math.floor(fraction / 10);
    }
    o += width + 1;
    this.length = o;
  }

  /** `"…"` of new Date(ms).toISOString(): the date part computed once per day, the time of day from integers. */
  isoDate(ms: number): void {
    if (!(Number.isInteger(ms) && Math.abs(ms) <= 8.64e15)) {
      this.byte(0x22);
      this.plainAscii(new Date(ms).toISOString());
      this.byte(0x22);
      return;
    }
    const day = Math.floor(ms / DAY_MS);
    let rest = ms - day * DAY_MS;
    let date = isoDays.get(day);
    if (date === undefined) {
      const iso = new Date(day * DAY_MS).toISOString();
      date = Buffer.from(iso.slice(0, iso.indexOf('T') + 1), 'latin1');
      if (isoDays.size > 10_000) isoDays.clear();
      isoDays.set(day, date);
    }
    this.byte(0x22);
    this.bytes(date);
    const hours = Math.floor(rest / 3_600_000);
    rest -= hours * 3_600_000;
    const minutes = Math.floor(rest / 60_000);
    rest -= minutes * 60_000;
    const seconds = Math.floor(rest / 1000);
    const millis = rest - seconds * 1000;
    const buf = this.reserve(14);
    let o = this.length;
    buf[o++] = 0x30 + Math.floor(hours / 10);
    buf[o++] = 0x30 + (hours % 10);
    buf[o++] = 0x3a;
    buf[o++] = 0x30 + Math.floor(minutes / 10);
    buf[o++] = 0x30 + (minutes % 10);
    buf[o++] = 0x3a;
    buf[o++] = 0x30 + Math.floor(seconds / 10);
    buf[o++] = 0x30 + (seconds % 10);
    buf[o++] = 0x2e;
    buf[o++] = 0x30 + Math.floor(millis / 100);
    buf[o++] = 0x30 + (Math.floor(millis / 10) % 10);
    buf[o++] = 0x30 + (millis % 10);
    buf[o++] = 0x5a;
    buf[o++] = 0x22;
    this.length = o;
  }

  /** The decimal digits of a whole number in [0, 10¹⁵), computed on small integers (two halves below 10⁹). */
  private wholeNumber(n: number): void {
    const buf = this.reserve(15);
    if (n < 1e9) {
      this.length = writeDigits(buf, this.length, n, 0);
    } else {
      const high = Math.floor(n / 1e9);
      this.length = writeDigits(buf, writeDigits(buf, this.length, high, 0), n - high * 1e9, 9);
    }
  }
}

/** '00' to '99': the digits of a number are written two at a time. */
const DIGIT_PAIRS = Buffer.from(Array.from({ length: 100 }, (_, k) => String(k).padStart(2, '0')).join(''), 'latin1');

/** Writes n (a whole number below 10⁹) in decimal, left-padded with zeros to `width` digits; returns the new end. */
function writeDigits(buf: Buffer, o: number, n: number, width: number): number {
  let count = 1;
  while (count < 9 && n >= POWERS_OF_TEN[count]!) count++;
  const end = o + Math.max(count, width);
  let p = end;
  while (n >= 100) {
    const q = (n / 100) | 0;
    const pair = (n - q * 100) * 2;
    buf[--p] = DIGIT_PAIRS[pair + 1]!;
    buf[--p] = DIGIT_PAIRS[pair]!;
    n = q;
  }
  if (n >= 10) {
    buf[--p] = DIGIT_PAIRS[n * 2 + 1]!;
    buf[--p] = DIGIT_PAIRS[n * 2]!;
  } else {
    buf[--p] = 0x30 + n;
  }
  while (p > o) buf[--p] = 0x30;
  return end;
}

/**
 * A character JSON.stringify escapes (control characters, `"`, `\`, lone surrogates) or a surrogate at all (pairs
 * are fine, but the slow path sorts them out): anything outside the characters listed.
 */
const NEEDS_ESCAPE = /[^\u0020\u0021\u0023-\u005b\u005d-\ud7ff\ue000-\uffff]/;

const POWERS_OF_TEN = [1, 10, 100, 1000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000];
