/**
 * Redaction: the one place that decides what a secret looks like in text, so no log line, error message or error
 * detail ever carries one, whatever the path that produced it.
 *
 * Public API
 * - `new Redactor({ secretHeaderNames? })`
 * - `addSecret(value)` / `removeSecret(value)`: known secret values (API keys, tokens, passwords, Basic-auth strings).
 *   Each is also matched in its URL-encoded, JSON-escaped and base64 forms. Values shorter than `MIN_SECRET_LENGTH`
 *   are ignored (they would redact ordinary words).
 * - `addAuthorization(headerValue)`: registers an `Authorization` value: the whole value, the credential after the
 *   scheme, and for `Basic` the decoded `user:password` and the password alone.
 * - `addSecretHeaderName(name)`: a header whose value is secret (e.g. `x-vapi-secret`), matched as `name: value`
 *   and as a JSON field.
 * - `containsSecret(text)`: whether the text holds a registered value (in any of its forms). Pattern rules are not
 *   applied: for checks of ordinary text (a user named "Basic Plumbing") where only a real secret is a problem.
 * - `redact(text)`: known values first, then pattern rules (Authorization/Proxy-Authorization headers, `Bearer …`,
 *   `Basic …`, JSON fields and query parameters with secret-sounding names, URL userinfo, JWT-shaped strings).
 * - `redactUrl(url)`: userinfo and secret query parameters removed, the rest kept.
 * - `redactDeep(value)`: a copy of any JSON-like value (errors included) with every string redacted and every string
 *   under a secret-sounding key replaced whole.
 * - `isSecretKey(key)`: whether a field or header name is treated as secret.
 *
 * Cost: one precompiled alternation for the known values plus a handful of linear regexes; a line without any of the
 * trigger words is returned after a few fast scans.
 */

export const REDACTED = '[REDACTED]';
/** Shorter values are never registered: they would blank out ordinary words. */
export const MIN_SECRET_LENGTH = 6;

/** Field, header and query names whose values are secret. */
const SECRET_KEY_RE =
  /pass(?:word|wd|phrase)|^pass$|^pwd$|secret|token|api[-_]?key|private[-_]?key|authorization|^cookie$|^set-cookie$|^auth$|signature/i;
/** Names that match the rule above but are harmless identifiers or flags. */
const NOT_SECRET_KEY_RE = /^(?:token_?type|has_?\w*|is\w*set|\w*secret_?enabled|\w*_?preview|\w*token_?expires\w*)$/i;

// Name parts are bounded so no pattern can backtrack quadratically over a long blob (base64, transcripts).
const NAME_CHARS = '[A-Za-z0-9_.$-]';
const NAME_PART = `${NAME_CHARS}{0,40}`;
const KEYWORDS = '(?:pass(?:word|wd|phrase)|secret|token|api[-_]?key|private[-_]?key|authorization|cookie|signature)';

// "password": "…" (also an unterminated value at the end of a truncated excerpt), and \"password\":\"…\" inside an
// escaped JSON string.
const JSON_FIELD_RE = new RegExp(`("${NAME_PART}${KEYWORDS}${NAME_PART}"\\s*:\\s*)"(?:[^"\\\\]|\\\\.)*"?`, 'gi');
const ESCAPED_JSON_FIELD_RE = new RegExp(
  `(\\\\"${NAME_PART}${KEYWORDS}${NAME_PART}\\\\"\\s*:\\s*)\\\\"(?:[^"\\\\]|\\\\[^"])*(?:\\\\")?`,
  'gi',
);
// password=… in query strings and form bodies.
const QUERY_FIELD_RE = new RegExp(`([?&;]${NAME_PART}${KEYWORDS}${NAME_PART}=)[^&\\s"'#\\\\]*`, 'gi');
// Authorization: … header lines (raw or as JS object text).
const AUTH_HEADER_RE = /((?:proxy-)?authorization['"]?\s*[:=]\s*['"]?)[^'"\\\r\n,}]*/gi;
const BEARER_RE = /\b(Bearer)\s+[A-Za-z0-9._~+/=-]{8,}/gi;
const BASIC_RE = /\b(Basic)\s+[A-Za-z0-9+/=._-]{8,}/g;
// scheme://user:pass@host
const USERINFO_RE = /([a-z][a-z0-9+.-]{0,15}:\/\/)[^/\s@'"<>]+@/gi;
// Three base64url segments starting with {"  (a JWT).
// (?=(x+))\1 is an atomic group: a failed match never backtracks through a long run.
const JWT_RE = /\beyJ(?=([A-Za-z0-9_-]{8,}))\1\.(?=([A-Za-z0-9_-]{8,}))\2\.(?=([A-Za-z0-9_-]*))\3/g;
const TRIGGER_RE = /pass|secret|token|key|auth|cookie|signature|bearer|basic|@|eyJ/i;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export interface RedactorOptions {
  /** Headers whose values are secret, in addition to Authorization/Proxy-Authorization/Cookie. */
  secretHeaderNames?: string[];
}

export class Redactor {
  /** Registered values, each with its encoded variants. */
  private readonly values = new Set<string>();
  private readonly headerNames = new Set<string>();
  private valuesRe: RegExp | null = null;
  private headersRe: RegExp | null = null;
  private dirty = false;

  constructor(options: RedactorOptions = {}) {
    for (const name of options.secretHeaderNames ?? []) this.addSecretHeaderName(name);
  }

  addSecret(value: string | null | undefined): void {
    if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH) return;
    for (const variant of variantsOf(value)) {
      if (this.values.has(variant)) continue;
      this.values.add(variant);
      this.dirty = true;
    }
  }

  removeSecret(value: string | null | undefined): void {
    if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH) return;
    for (const variant of variantsOf(value)) {
      if (this.values.delete(variant)) this.dirty = true;
    }
  }

  /** Registers an Authorization (or Proxy-Authorization) header value and the credential inside it. */
  addAuthorization(headerValue: string): void {
    for (const value of authorizationParts(headerValue)) this.addSecret(value);
  }

  removeAuthorization(headerValue: string): void {
    for (const value of authorizationParts(headerValue)) this.removeSecret(value);
  }

  addSecretHeaderName(name: string): void {
    const lower = name.trim().toLowerCase();
    if (!lower || this.headerNames.has(lower)) return;
    this.headerNames.add(lower);
    this.headersRe = new RegExp(
      `((?:["']?)(?:${[...this.headerNames].map(escapeRegExp).join('|')})(?:["']?)\\s*[:=]\\s*["']?)[^"'\\\\\\r\\n,}&]*`,
      'gi',
    );
  }

  isSecretHeaderName(name: string): boolean {
    const lower = name.toLowerCase();
    return this.headerNames.has(lower) || isSecretKey(lower);
  }

  /** Number of registered value variants (for tests and diagnostics). */
  get size(): number {
    return this.values.size;
  }

  containsSecret(text: string): boolean {
    if (typeof text !== 'string' || text.length === 0) return false;
    if (this.dirty) this.rebuild();
    return this.valuesRe !== null && text.search(this.valuesRe) >= 0;
  }

  redact(text: string): string {
    if (typeof text !== 'string' || text.length === 0) return text;
    let out = text;
    if (this.dirty) this.rebuild();
    if (this.valuesRe) out = out.replace(this.valuesRe, REDACTED);
    if (this.headersRe) out = out.replace(this.headersRe, `$1${REDACTED}`);
    if (!TRIGGER_RE.test(out)) return out;
    out = out
      .replace(JSON_FIELD_RE, `$1"${REDACTED}"`)
      .replace(ESCAPED_JSON_FIELD_RE, `$1\\"${REDACTED}\\"`)
      .replace(QUERY_FIELD_RE, `$1${REDACTED}`)
      .replace(AUTH_HEADER_RE, `$1${REDACTED}`)
      .replace(BEARER_RE, `$1 ${REDACTED}`)
      .replace(BASIC_RE, `$1 ${REDACTED}`)
      .replace(USERINFO_RE, `$1${REDACTED}@`)
      .replace(JWT_RE, REDACTED);
    return out;
  }

  redactUrl(url: string): string {
    try {
      const parsed = new URL(url);
      if (parsed.username || parsed.password) {
        parsed.username = '';
        parsed.password = '';
      }
      for (const key of [...parsed.searchParams.keys()]) {
        if (isSecretKey(key) || this.headerNames.has(key.toLowerCase())) parsed.searchParams.set(key, REDACTED);
      }
      return this.redact(parsed.toString());
    } catch {
      return this.redact(url);
    }
  }

  redactDeep<T>(value: T): T {
    return this.deep(value, new WeakSet(), 0) as T;
  }

  private deep(value: unknown, seen: WeakSet<object>, depth: number): unknown {
    if (typeof value === 'string') return this.redact(value);
    if (value === null || typeof value !== 'object') {
      return typeof value === 'function' || typeof value === 'symbol' ? undefined : value;
    }
    if (seen.has(value)) return '[Circular]';
    if (depth > 12) return '[Too deep]';
    seen.add(value);
    if (value instanceof Error) return this.deepError(value, seen, depth);
    if (Array.isArray(value)) return value.map((item) => this.deep(item, seen, depth + 1));
    if (value instanceof Date) return value.toISOString();
    if (value instanceof URL) return this.redactUrl(value.toString());
    if (value instanceof Map) return this.deep(Object.fromEntries(value), seen, depth + 1);
    if (ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      out[key] = this.secretField(key, item) ? REDACTED : this.deep(item, seen, depth + 1);
    }
    return out;
  }

  private deepError(error: Error, seen: WeakSet<object>, depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = { name: error.name, message: this.redact(error.message) };
    for (const [key, item] of Object.entries(error)) {
      if (key === 'message' || key === 'name') continue;
      out[key] = this.secretField(key, item) ? REDACTED : this.deep(item, seen, depth + 1);
    }
    if (error.stack) out['stack'] = this.redact(error.stack);
    if (error.cause !== undefined) out['cause'] = this.deep(error.cause, seen, depth + 1);
    return out;
  }

  private secretField(key: string, item: unknown): boolean {
    if (item === null || item === undefined || typeof item === 'boolean' || typeof item === 'number') return false;
    return isSecretKey(key) || this.headerNames.has(key.toLowerCase());
  }

  private rebuild(): void {
    this.dirty = false;
    if (this.values.size === 0) {
      this.valuesRe = null;
      return;
    }
    // Longest first, so a value that contains another is replaced whole.
    const sorted = [...this.values].sort((a, b) => b.length - a.length);
    this.valuesRe = new RegExp(sorted.map(escapeRegExp).join('|'), 'g');
  }
}

export function isSecretKey(key: string): boolean {
  return SECRET_KEY_RE.test(key) && !NOT_SECRET_KEY_RE.test(key);
}

function variantsOf(value: string): Set<string> {
  const variants = new Set<string>([value]);
  const encoded = encodeURIComponent(value);
  if (encoded.length >= MIN_SECRET_LENGTH) variants.add(encoded);
  const escaped = JSON.stringify(value).slice(1, -1);
  variants.add(escaped);
  const b64 = Buffer.from(value, 'utf8').toString('base64');
  variants.add(b64);
  variants.add(b64.replace(/=+$/, ''));
  return variants;
}

function authorizationParts(headerValue: string): string[] {
  const parts = [headerValue];
  const match = /^\s*(\S+)\s+(.+?)\s*$/.exec(headerValue);
  if (!match) return parts;
  const scheme = match[1]!.toLowerCase();
  const credential = match[2]!;
  parts.push(credential);
  if (scheme === 'basic') {
    const decoded = Buffer.from(credential, 'base64').toString('utf8');
    parts.push(decoded);
    const colon = decoded.indexOf(':');
    if (colon >= 0) parts.push(decoded.slice(colon + 1));
  }
  return parts;
}
