/**
 * `splitJsonArray(body)`: the top-level elements of a JSON array, as views into the body's bytes, found without
 * parsing them. The sync hands each element's bytes to `observeVapiCall(call, seenAt, { json })`, so the cache can
 * store the call's raw JSON without serializing the parsed object again (on a Vapi page of 1,000 calls that is about a
 * quarter of the store path's time).
 *
 * Throws on anything that is not one well-formed JSON array at the top level; the elements themselves are only
 * delimited (strings, nesting), not validated: `JSON.parse` does that.
 */
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

export function splitJsonArray(body: Uint8Array): Uint8Array[] {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const fail = (at: number, what: string) => {
    throw new SyntaxError(`Not a JSON array: ${what} at byte ${at}`);
  };
  const end = bytes.length;
  let i = 0;
  const skipSpace = () => {
    while (i < end && isSpace(bytes[i] as number)) i++;
  };
  // A UTF-8 byte order mark is tolerated, as JSON.parse of the decoded text would.
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) i = 3;
  skipSpace();
  if (bytes[i] !== OPEN_BRACKET) fail(i, 'expected [');
  i++;
  skipSpace();
  const elements: Uint8Array[] = [];
  if (bytes[i] === CLOSE_BRACKET) {
    i++;
  } else {
    for (;;) {
      skipSpace();
      const start = i;
      let depth = 0;
      for (;;) {
        if (i >= end) fail(i, 'unexpected end');
        const byte = bytes[i] as number;
        if (byte === QUOTE) {
          // Jump to the closing quote: the quote's own search is native, and most bytes are inside strings.
          let close = i;
          for (;;) {
            close = bytes.indexOf(QUOTE, close + 1);
            if (close < 0) fail(i, 'unterminated string');
            let backslashes = 0;
            while (bytes[close - 1 - backslashes] === BACKSLASH) backslashes++;
            if (backslashes % 2 === 0) break;
          }
          i = close + 1;
          continue;
        }
        if (byte === OPEN_BRACE || byte === OPEN_BRACKET) depth++;
        else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
          if (depth === 0) break;
          depth--;
        } else if (byte === COMMA && depth === 0) break;
        i++;
      }
      let last = i;
      while (last > start && isSpace(bytes[last - 1] as number)) last--;
      if (last === start) fail(start, 'empty element');
      elements.push(bytes.subarray(start, last));
      if (bytes[i] === COMMA) {
        i++;
        continue;
      }
      if (bytes[i] !== CLOSE_BRACKET) fail(i, 'expected ] or ,');
      i++;
      break;
    }
  }
  skipSpace();
  if (i !== end) fail(i, 'trailing data');
  return elements;
}
