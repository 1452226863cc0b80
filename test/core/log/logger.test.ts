import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../../src/shared/errors';
import { createLogger, LOG_FILE_NAME } from '../../../src/main/core/log/logger';
import { Redactor } from '../../../src/main/core/log/redact';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ava-log-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('logger', () => {
  it('writes JSON lines with levels, bindings and redacted fields', () => {
    const dir = tempDir();
    const redactor = new Redactor();
    redactor.addSecret('vapi-private-key-1234');
    const logger = createLogger({ dir, redactor, level: 'info', now: () => Date.UTC(2025, 0, 2) });
    logger.debug('hidden');
    logger.child({ module: 'test' }).info('key is vapi-private-key-1234', {
      headers: { authorization: 'Bearer vapi-private-key-1234' },
      requestId: 'req-1',
    });
    logger.warn('failed', {
      error: new AppError({ code: 'offline', message: 'x vapi-private-key-1234', detail: 'd' }),
    });
    logger.close();
    const lines = readFileSync(join(dir, LOG_FILE_NAME), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(2);
    const first = JSON.parse(lines[0]!);
    expect(first).toMatchObject({
      level: 'info',
      module: 'test',
      requestId: 'req-1',
      time: '2025-01-02T00:00:00.000Z',
    });
    const second = JSON.parse(lines[1]!);
    expect(second.error).toMatchObject({ name: 'AppError', code: 'offline', detail: 'd' });
    expect(lines.join('\n')).not.toContain('vapi-private-key-1234');
  });

  it('rotates by size and keeps at most maxFiles files', () => {
    const dir = tempDir();
    const logger = createLogger({ dir, redactor: new Redactor(), maxBytes: 1000, maxFiles: 3 });
    for (let i = 0; i < 100; i++) logger.info(`line ${i}`, { pad: 'x'.repeat(50) });
    logger.close();
    const files = readdirSync(dir).sort();
    expect(files).toEqual([LOG_FILE_NAME, `${LOG_FILE_NAME}.1`, `${LOG_FILE_NAME}.2`]);
    for (const file of files) {
      const text = readFileSync(join(dir, file), 'utf8');
      expect(Buffer.byteLength(text)).toBeLessThanOrEqual(1000);
      for (const line of text.trim().split('\n')) JSON.parse(line);
    }
    expect(readFileSync(join(dir, LOG_FILE_NAME), 'utf8')).toContain('line 99');
  });

  it('keeps lines in memory without a folder', () => {
    const logger = createLogger({ dir: null, redactor: new Redactor(), level: 'debug' });
    logger.debug('a');
    logger.error('b', { password: 'hunter2hunter2' });
    expect(logger.path).toBeNull();
    expect(logger.lines()).toHaveLength(2);
    expect(logger.lines()[1]).toContain('[REDACTED]');
  });

  it('loses no line on a normal exit or a crash right after logging', () => {
    const dir = tempDir();
    const scriptPath = join(dir, 'child.mts');
    const script = `
      import { createLogger } from ${JSON.stringify(join(process.cwd(), 'src/main/core/log/logger.ts'))};
      import { Redactor } from ${JSON.stringify(join(process.cwd(), 'src/main/core/log/redact.ts'))};
      const logger = createLogger({ dir: process.argv[2], redactor: new Redactor() });
      for (let i = 0; i < 500; i++) logger.info('line ' + i);
      if (process.argv[3] === 'crash') process.abort();
      process.exit(0);
    `;
    writeFileSync(scriptPath, script);
    const logDir = join(dir, 'logs');
    for (const mode of ['exit', 'crash']) {
      const child = spawnSync(process.execPath, ['--import', 'tsx', scriptPath, logDir, mode], { encoding: 'utf8' });
      expect(child.status === 0 || mode === 'crash', child.stderr).toBe(true);
      const lines = readFileSync(join(logDir, LOG_FILE_NAME), 'utf8').trim().split('\n');
      expect(lines).toHaveLength(500);
      expect(lines.at(-1)).toContain('line 499');
      rmSync(join(logDir, LOG_FILE_NAME));
    }
  });

  it('keeps very long lines valid JSON', () => {
    const logger = createLogger({ dir: null, redactor: new Redactor() });
    logger.info('big', { body: 'y'.repeat(200_000) });
    const line = logger.lines()[0]!;
    expect(JSON.parse(line).truncated).toBe(true);
  });
});
