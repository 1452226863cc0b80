/**
 * A lossless, byte-level rewrite of the message timings in a Vapi JSON text, before it is compressed (cache/codec.ts).
 *
 * Each message Vapi writes in `artifact.messages` carries four numbers, `"time":1796316836765,"endTime":
 * 1796316843487,"secondsFromStart":0.914,"duration":6722`: about 60 digits that DEFLATE can barely shorten, for what is
 * two numbers of information. `endTime` is `time + duration`, and `secondsFromStart` is the time since the first
 * timed message (`(time - t0) / 1000`, as JavaScript writes it). `encodeTimings` writes such a message as
 * `"time":~<ms since the previous one>,"duration":6722`, which saves about 145 bytes of compressed output a call
 * (12 %) on the Vapi fake's calls; `decodeTimings` writes the four numbers back, byte for byte.
 *
 * Only a sequence that comes back exactly is rewritten: the keys in Vapi's order, numbers written as JavaScript
 * writes them, `endTime` and `secondsFromStart` exactly derivable, times never going backwards. Everything else is
 * left as it is, so any text survives the round trip. `"time":~` cannot occur in JSON (a value never starts with
 * `~`, and a quote inside a string is escaped), so a text that holds it anyway (not JSON) is left untouched:
 * `encodeTimings` returns null for it. The rewrite works on JavaScript strings or on latin1 views of UTF-8 bytes
 * alike: everything it matches is ASCII.
 */

/** The first timed message: `t0`, left as it is. */
const FIRST = /"time":(\d{1,16})(?=[,}])/;
const MESSAGE =
  /"time":(\d{1,16}),"endTime":(\d{1,16}),"secondsFromStart":(\d+(?:\.\d+)?),"duration":(\d{1,16})(?=[,}])/g;
const ENCODED = /"time":~(\d{1,16}),"duration":(\d{1,16})(?=[,}])/g;
const MARK = '"time":~';

/** The text with its message timings rewritten, or null when there is nothing to rewrite (or it cannot be). */
export function encodeTimings(text: string): string | null {
  const first = FIRST.exec(text);
  if (first === null || text.includes(MARK)) return null;
  const t0 = Number(first[1]);
  let previous = t0;
  let rewritten = 0;
  const from = first.index + first[0].length;
  const rest = text
    .slice(from)
    .replace(MESSAGE, (whole, time: string, end: string, seconds: string, duration: string) => {
      const t = Number(time);
      const d = Number(duration);
      if (
        t < previous ||
        String(t) !== time ||
        String(d) !== duration ||
        String(t + d) !== end ||
        String((t - t0) / 1000) !== seconds
      ) {
        return whole;
      }
      const encoded = `${MARK}${t - previous},"duration":${duration}`;
      previous = t;
      rewritten++;
      return encoded;
    });
  return rewritten === 0 ? null : text.slice(0, from) + rest;
}

/** The text `encodeTimings` was given. */
export function decodeTimings(text: string): string {
  const first = FIRST.exec(text);
  if (first === null) return text;
  const t0 = Number(first[1]);
  let previous = t0;
  return text.replace(ENCODED, (_whole, delta: string, duration: string) => {
    const t = previous + Number(delta);
    previous = t;
    return `"time":${t},"endTime":${t + Number(duration)},"secondsFromStart":${(t - t0) / 1000},"duration":${duration}`;
  });
}
