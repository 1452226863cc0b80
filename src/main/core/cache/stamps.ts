/**
 * The merge stamps of a call (calls/merge.ts), packed small: they sit in every row and a call's fields mostly share
 * one or two stamps. Layout, all LEB128 (stamp values zigzag-encoded, so a time before 1970 survives):
 * - v1 (schema 1): the number of distinct stamps; each stamp as its length then its values; then one reference per
 *   field (`CALL_FIELDS` order), then the transcript's, the backend raw's and the Vapi raw's, each the stamp's index
 *   plus one (0: none).
 * - v2: the byte `V2` (never a v1 count: a call has far fewer distinct stamps), then as v1, but each value written as
 *   its zigzag plus one, or 0 for "the same as the last value of 128 or more": the stamps of one observation share
 *   its time (6 bytes), which v1 wrote in each of them (about 15 bytes a call).
 */
import { CALL_FIELDS, type CallRecord, type Stamp } from '../calls/merge';

/** First byte of v2: a v1 count would need 127 distinct stamps, and a call has at most `CALL_FIELDS` + 3. */
const V2 = 0x7f;

export interface UnpackedStamps {
  fields: Stamp[];
  transcript: Stamp;
  backend: Stamp;
  vapi: Stamp;
}

function write(out: number[], n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`Cannot pack ${n} in merge stamps`);
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
}

const zigzag = (n: number): number => {
  if (!Number.isSafeInteger(n) || Math.abs(n) > 2 ** 51)
    throw new Error(`A merge stamp holds ${n}, not a rank or a time`);
  return n >= 0 ? 2 * n : -2 * n - 1;
};
const unzigzag = (n: number): number => (n % 2 === 0 ? n / 2 : -(n + 1) / 2);

export function packStamps(record: CallRecord): Buffer {
  const table: Stamp[] = [];
  // A handful of distinct stamps at most: a linear search beats building a string key for each field.
  const ref = (stamp: Stamp | undefined): number => {
    if (stamp === undefined || stamp.length === 0) return 0;
    for (let i = 0; i < table.length; i++) {
      const known = table[i] as Stamp;
      if (known === stamp) return i + 1;
      if (known.length !== stamp.length) continue;
      let same = true;
      for (let j = 0; j < stamp.length && same; j++) same = known[j] === stamp[j];
      if (same) return i + 1;
    }
    return table.push(stamp);
  };
  const refs = [
    ...CALL_FIELDS.map((field) => ref(record.fields[field].stamp)),
    ref(record.transcript.stamp),
    ref(record.backend?.raw.stamp),
    ref(record.vapi?.raw.stamp),
  ];
  const out: number[] = [V2];
  write(out, table.length);
  let last = -1;
  for (const stamp of table) {
    write(out, stamp.length);
    for (const value of stamp) {
      const z = zigzag(value);
      if (z === last) {
        out.push(0);
        continue;
      }
      write(out, z + 1);
      if (z >= 128) last = z;
    }
  }
  for (const r of refs) write(out, r);
  return Buffer.from(out);
}

export function unpackStamps(bytes: Uint8Array): UnpackedStamps {
  let at = 0;
  const read = (): number => {
    let n = 0;
    let shift = 1;
    for (;;) {
      const byte = bytes[at++];
      if (byte === undefined) throw new Error('Truncated merge stamps in the call cache');
      n += (byte & 0x7f) * shift;
      shift *= 128;
      if ((byte & 0x80) === 0) return n;
    }
  };
  const v2 = bytes[0] === V2;
  if (v2) at = 1;
  let last = -1;
  const value = (): number => {
    if (!v2) return unzigzag(read());
    const token = read();
    if (token === 0) {
      if (last < 0) throw new Error('A merge stamp repeats a value before any in the call cache');
      return unzigzag(last);
    }
    const z = token - 1;
    if (z >= 128) last = z;
    return unzigzag(z);
  };
  const table: Stamp[] = [];
  for (let count = read(); count > 0; count--) {
    const stamp: number[] = [];
    for (let length = read(); length > 0; length--) stamp.push(value());
    table.push(stamp);
  }
  const stampAt = (r: number): Stamp => (r === 0 ? [] : (table[r - 1] ?? []));
  const fields = CALL_FIELDS.map(() => stampAt(read()));
  return { fields, transcript: stampAt(read()), backend: stampAt(read()), vapi: stampAt(read()) };
}
