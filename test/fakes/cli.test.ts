import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { basic, bearer, http } from './test-helpers';

const CLI = fileURLToPath(new URL('./cli.ts', import.meta.url));

function run(args: string[]): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { stdio: 'pipe' });
}

function firstLine(child: ChildProcessWithoutNullStreams): Promise<string> {
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`exited early with ${code}`)));
  });
}

function exitCode(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe('npm run fakes (cli.ts)', () => {
  it('prints one JSON line with URLs and credentials, serves them, and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const child = run(['--world', 'clinic', '--seed', '3', '--json', '--port-backend', String(port)]);
    try {
      const info = JSON.parse(await firstLine(child)) as {
        world: string;
        urls: { vapi: string; twilio: string; backend: string };
        vapi: { privateKey: string; publicKey: string };
        twilio: { accountSid: string; authToken: string };
        backend: { email: string; phone: string; password: string; userId: string };
      };
      expect(info.world).toBe('clinic');
      expect(info.urls.backend).toBe(`http://127.0.0.1:${port}`);
      const assistants = await http<unknown[]>(`${info.urls.vapi}/assistant`, {
        headers: bearer(info.vapi.privateKey),
      });
      expect(assistants.body).toHaveLength(3);
      const account = await http(`${info.urls.twilio}/2010-04-01/Accounts/${info.twilio.accountSid}.json`, {
        headers: basic(info.twilio.accountSid, info.twilio.authToken),
      });
      expect(account.status).toBe(200);
      const login = await http<{ user: { id: string } }>(`${info.urls.backend}/api/v1/auth/login`, {
        method: 'POST',
        body: { identifier: info.backend.email, password: info.backend.password },
      });
      expect(login.body.user.id).toBe(info.backend.userId);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exitCode(child)).toBe(0);
  });

  it('prints a human summary by default and stops on SIGINT', async () => {
    const child = run(['--world', 'empty']);
    const lines: string[] = [];
    createInterface({ input: child.stdout }).on('line', (l) => lines.push(l));
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (lines.some((l) => l.includes('Ctrl-C'))) {
          clearInterval(timer);
          resolve();
        }
      }, 20);
      child.once('exit', () => reject(new Error('exited early')));
    });
    const text = lines.join('\n');
    expect(text).toMatch(/Vapi\s+http:\/\/127\.0\.0\.1:\d+/);
    expect(text).toContain('demo@cabinet-tilleuls.fr');
    child.kill('SIGINT');
    expect(await exitCode(child)).toBe(0);
  });

  it('refuses unknown worlds and arguments', async () => {
    const child = run(['--world', 'mars']);
    const err: string[] = [];
    child.stderr.on('data', (d: Buffer) => err.push(d.toString()));
    expect(await exitCode(child)).toBe(2);
    expect(err.join('')).toContain('unknown world mars');
  });
});
