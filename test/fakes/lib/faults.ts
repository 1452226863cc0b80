/**
 * Fault injection, per route, deterministic from a seed. Every fake owns one `FaultController`; a rule says which
 * requests it hits (method + path pattern), what goes wrong, and how often (a probability drawn from the rule's own
 * seeded generator, and/or "the next N matching requests").
 */
import { Rng } from './rng';

export type FaultSpec =
  /** An error status in the service's own error shape. `retryAfter` (seconds or an HTTP date) adds `Retry-After`. */
  | { kind: 'status'; status: number; retryAfter?: number | string; body?: unknown }
  /** Answers normally after `ms` milliseconds of real time. */
  | { kind: 'latency'; ms: number }
  /** Reads the request and never answers (until the client gives up or the fake closes). */
  | { kind: 'stall' }
  /** Destroys the connection without answering (the client sees a reset / "other side closed"). */
  | { kind: 'reset' }
  /** The real handler runs (side effects happen), then a 200 with a body that is not valid JSON. */
  | { kind: 'malformed' }
  /**
   * The real handler runs, then its JSON is cut in half. `short-body` (default): `Content-Length` announces the full
   * body, half of it is sent and the connection is closed. `cut-json`: the half body is sent as a complete response
   * (matching `Content-Length`), so only the JSON parser notices.
   */
  | { kind: 'truncated'; variant?: 'short-body' | 'cut-json' };

/**
 * Which requests a rule hits:
 * - a string `"GET /call/:id"`, `"* /assistant/**"`, `"/phone-number"` (any method). Segments: literal, `:name` or `*`
 *   (exactly one segment), `**` (any number of segments, only last). Query strings are ignored.
 * - a RegExp tested against `"METHOD /path"`;
 * - a function of (method, path).
 */
export type RouteMatcher = string | RegExp | ((method: string, path: string) => boolean);

export interface FaultRuleOptions {
  /** Chance that a matching request is hit, drawn from the rule's seeded generator. Default 1. */
  probability?: number;
  /** The rule hits at most this many requests, then removes itself. Default: unlimited. */
  times?: number;
}

export interface FaultRule {
  readonly id: number;
  readonly match: string;
  readonly fault: FaultSpec;
  readonly probability: number;
  /** Hits left before the rule removes itself; null = unlimited. */
  readonly remaining: number | null;
  readonly hits: number;
}

export interface FaultEvent {
  ruleId: number;
  method: string;
  path: string;
  fault: FaultSpec;
  at: number;
}

export interface FaultController {
  /** Adds a rule and returns its id. Newer rules are checked first. */
  set(match: RouteMatcher, fault: FaultSpec, options?: FaultRuleOptions): number;
  remove(ruleId: number): void;
  /** Removes every rule (the history is kept; `clearHistory` empties it). */
  clear(): void;
  /**
   * Back to a fresh controller: no rule, no history, and rule ids numbered from 1 again, so the same rules set after
   * a reset get the same ids and therefore draw the same pattern.
   */
  reset(): void;
  rules(): FaultRule[];
  /** Every fault injected so far, oldest first. */
  history(): FaultEvent[];
  clearHistory(): void;
  /** Used by the servers: the fault for this request, if any (consumes draws and `times`). */
  decide(method: string, path: string): FaultSpec | null;
}

interface LiveRule {
  id: number;
  matchText: string;
  test: (method: string, path: string) => boolean;
  fault: FaultSpec;
  probability: number;
  remaining: number | null;
  hits: number;
  rng: Rng;
}

export function compileRouteMatcher(match: RouteMatcher): (method: string, path: string) => boolean {
  if (typeof match === 'function') return match;
  if (match instanceof RegExp) return (method, path) => match.test(`${method} ${path}`);
  const trimmed = match.trim();
  const space = trimmed.indexOf(' ');
  const methodPart = space >= 0 && !trimmed.startsWith('/') ? trimmed.slice(0, space).toUpperCase() : '*';
  const pathPart = space >= 0 && !trimmed.startsWith('/') ? trimmed.slice(space + 1).trim() : trimmed;
  const methods = methodPart === '*' ? null : new Set(methodPart.split('|'));
  const wanted = splitPath(pathPart);
  return (method, path) => {
    if (methods && !methods.has(method.toUpperCase())) return false;
    if (pathPart === '*' || pathPart === '**') return true;
    return segmentsMatch(wanted, splitPath(path));
  };
}

function splitPath(path: string): string[] {
  const q = path.indexOf('?');
  return (q >= 0 ? path.slice(0, q) : path).split('/').filter((s) => s.length > 0);
}

function segmentsMatch(pattern: string[], actual: string[]): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    if (p === '**') return true;
    const a = actual[i];
    if (a === undefined) return false;
    if (p === '*' || p.startsWith(':')) continue;
    if (p !== a) return false;
  }
  return pattern.length === actual.length;
}

export function createFaultController(seed: number, service: string): FaultController {
  let rules: LiveRule[] = [];
  let history: FaultEvent[] = [];
  let nextId = 1;
  const describe = (m: RouteMatcher): string =>
    typeof m === 'string' ? m : m instanceof RegExp ? m.toString() : 'function';
  return {
    set(match, fault, options = {}) {
      validateFault(fault);
      const id = nextId++;
      rules.unshift({
        id,
        matchText: describe(match),
        test: compileRouteMatcher(match),
        fault,
        probability: options.probability ?? 1,
        remaining: options.times ?? null,
        hits: 0,
        rng: Rng.of('fault', seed, service, id),
      });
      return id;
    },
    remove(ruleId) {
      rules = rules.filter((r) => r.id !== ruleId);
    },
    clear() {
      rules = [];
    },
    reset() {
      rules = [];
      history = [];
      nextId = 1;
    },
    rules() {
      return rules.map((r) => ({
        id: r.id,
        match: r.matchText,
        fault: r.fault,
        probability: r.probability,
        remaining: r.remaining,
        hits: r.hits,
      }));
    },
    history() {
      return history.slice();
    },
    clearHistory() {
      history = [];
    },
    decide(method, path) {
      for (const rule of rules) {
        if (!rule.test(method, path)) continue;
        if (rule.probability < 1 && !(rule.rng.next() < rule.probability)) continue;
        rule.hits++;
        if (rule.remaining !== null) {
          rule.remaining--;
          if (rule.remaining <= 0) rules = rules.filter((r) => r !== rule);
        }
        history.push({ ruleId: rule.id, method, path, fault: rule.fault, at: Date.now() });
        if (history.length > 10_000) history.splice(0, history.length - 10_000);
        return rule.fault;
      }
      return null;
    },
  };
}

const KINDS = new Set(['status', 'latency', 'stall', 'reset', 'malformed', 'truncated']);

export function validateFault(fault: unknown): asserts fault is FaultSpec {
  const f = fault as { kind?: unknown; status?: unknown; ms?: unknown } | null;
  if (!f || typeof f !== 'object' || typeof f.kind !== 'string' || !KINDS.has(f.kind)) {
    throw new Error(`fault.kind must be one of ${[...KINDS].join(', ')}`);
  }
  if (f.kind === 'status' && (typeof f.status !== 'number' || f.status < 100 || f.status > 599)) {
    throw new Error('a status fault needs a numeric status (100-599)');
  }
  if (f.kind === 'latency' && (typeof f.ms !== 'number' || f.ms < 0)) {
    throw new Error('a latency fault needs ms >= 0');
  }
}

/** Turns `{regex: "..."}` or a string from a JSON control request into a matcher. */
export function matcherFromJson(value: unknown): RouteMatcher {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { regex?: unknown }).regex === 'string') {
    return new RegExp((value as { regex: string }).regex);
  }
  throw new Error('match must be a string like "GET /call/:id" or {"regex": "..."}');
}
