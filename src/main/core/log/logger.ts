/**
 * JSON-lines logger: one object per line, every message and field passed through the redactor first.
 *
 * Public API
 * - `createLogger({ dir, redactor, level?, maxBytes?, maxFiles?, echo?, now? })` → `Logger`.
 *   `dir` is the folder for `ava-desk.log` (created if missing); `dir: null` keeps lines in memory only (tests).
 *   Rotation by size: when `ava-desk.log` would pass `maxBytes` (default 2 MB) it becomes `ava-desk.log.1`, older
 *   files shift up, and at most `maxFiles` files exist (default 5, the live one included).
 * - `Logger.debug|info|warn|error(message, fields?)`: fields are any JSON-like value; an `Error` (an `AppError`
 *   included) is serialized with its code, detail, service, requestId and cause, all redacted.
 * - `Logger.child(bindings)`: a logger adding fixed fields (e.g. `{ module: 'http' }`) to each line.
 * - `Logger.lines()`: the lines written so far in memory mode (empty with a file).
 * - `Logger.path`: the live file, or null.
 * - `Logger.close()`: closes the file; later lines are dropped.
 *
 * Writes are synchronous (`appendFile` on an open descriptor), so a line logged before a normal exit, or before a
 * crash, is on disk: logging happens at request granularity, never in a hot loop.
 */
import { closeSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Redactor } from './redact';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FILE_NAME = 'ava-desk.log';

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(bindings: LogFields): Logger;
  lines(): string[];
  readonly path: string | null;
  close(): void;
}

export interface LoggerOptions {
  /** Folder for the log files, or null for memory only. */
  dir: string | null;
  redactor: Redactor;
  level?: LogLevel;
  maxBytes?: number;
  maxFiles?: number;
  /** Also print warn and error lines to stderr (development). */
  echo?: boolean;
  now?: () => number;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const MAX_LINE_CHARS = 64 * 1024;

class Sink {
  private fd: number | null = null;
  private size = 0;
  private closed = false;
  readonly memory: string[] = [];
  readonly path: string | null;

  constructor(
    dir: string | null,
    private readonly maxBytes: number,
    private readonly maxFiles: number,
  ) {
    this.path = dir === null ? null : join(dir, LOG_FILE_NAME);
    if (dir !== null) {
      mkdirSync(dir, { recursive: true });
      this.open();
    }
  }

  private open(): void {
    if (this.path === null) return;
    this.fd = openSync(this.path, 'a', 0o600);
    try {
      this.size = statSync(this.path).size;
    } catch {
      this.size = 0;
    }
  }

  private rotate(): void {
    if (this.path === null) return;
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    rmSync(`${this.path}.${this.maxFiles - 1}`, { force: true });
    for (let i = this.maxFiles - 2; i >= 1; i--) {
      try {
        renameSync(`${this.path}.${i}`, `${this.path}.${i + 1}`);
      } catch {
        // missing file: nothing to shift
      }
    }
    if (this.maxFiles > 1) renameSync(this.path, `${this.path}.1`);
    else rmSync(this.path, { force: true });
    this.open();
  }

  write(line: string): void {
    if (this.closed) return;
    if (this.path === null) {
      this.memory.push(line);
      return;
    }
    const data = Buffer.from(line + '\n', 'utf8');
    try {
      if (this.size > 0 && this.size + data.length > this.maxBytes) this.rotate();
      if (this.fd === null) this.open();
      writeSync(this.fd!, data);
      this.size += data.length;
    } catch {
      // A log that cannot be written must never take the app down.
    }
  }

  close(): void {
    this.closed = true;
    if (this.fd !== null) {
      try {
        closeSync(this.fd);
      } catch {
        // already closed
      }
      this.fd = null;
    }
  }
}

export function createLogger(options: LoggerOptions): Logger {
  const sink = new Sink(options.dir, options.maxBytes ?? 2 * 1024 * 1024, Math.max(1, options.maxFiles ?? 5));
  return makeLogger(sink, options, {});
}

function makeLogger(sink: Sink, options: LoggerOptions, bindings: LogFields): Logger {
  const threshold = RANK[options.level ?? 'info'];
  const now = options.now ?? Date.now;
  const { redactor } = options;

  const log = (level: LogLevel, message: string, fields?: LogFields): void => {
    if (RANK[level] < threshold) return;
    let line: string;
    try {
      const record: Record<string, unknown> = {
        time: new Date(now()).toISOString(),
        level,
        msg: redactor.redact(String(message)),
        ...(redactor.redactDeep({ ...bindings, ...fields }) as LogFields),
      };
      line = JSON.stringify(record);
    } catch {
      line = JSON.stringify({ time: new Date(now()).toISOString(), level, msg: redactor.redact(String(message)) });
    }
    if (line.length > MAX_LINE_CHARS) {
      line = JSON.stringify({
        time: new Date(now()).toISOString(),
        level,
        msg: redactor.redact(String(message)).slice(0, 2000),
        truncated: true,
        excerpt: line.slice(0, MAX_LINE_CHARS - 4096),
      });
    }
    // A last pass over the serialized line catches values that JSON escaping could have split from a rule.
    line = redactor.redact(line);
    sink.write(line);
    if (options.echo && RANK[level] >= RANK.warn) process.stderr.write(line + '\n');
  };

  return {
    debug: (message, fields) => log('debug', message, fields),
    info: (message, fields) => log('info', message, fields),
    warn: (message, fields) => log('warn', message, fields),
    error: (message, fields) => log('error', message, fields),
    child: (more) => makeLogger(sink, options, { ...bindings, ...more }),
    lines: () => [...sink.memory],
    get path() {
      return sink.path;
    },
    close: () => sink.close(),
  };
}

/** A logger that drops everything (defaults in constructors). */
export const nullLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return nullLogger;
  },
  lines: () => [],
  path: null,
  close() {},
};
