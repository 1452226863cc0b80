/**
 * One sync in a process of its own, for the kill test (kill.test.ts), which SIGKILLs it at chosen moments. It builds
 * the core the way `createCore` does (a trust base over an in-memory keychain, the cache file in the data folder, the
 * real `SyncEngine`), signs in to the backend fake with the demo account, connects the Vapi key, and runs one sync.
 *
 *   node --import tsx kill-child.ts   (configuration in the environment, see `env` below)
 *
 * stdout, one line each: `ready`, then `progress <source> <phase> <done>` as the engine reports it, then
 * `done <status JSON>`. Exit code 0 when both sources succeeded, 3 otherwise.
 */
import { join } from 'node:path';
import { createTrustBase } from '../../../src/main/core/auth/accounts';
import { openCache } from '../../../src/main/core/cache';
import type { KeychainBackend } from '../../../src/main/core/secrets/vault';
import { SyncEngine } from '../../../src/main/core/sync/engine';

function env(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`kill-child: ${name} is not set`);
  return value;
}

function memoryKeychain(): KeychainBackend {
  const store = new Map<string, string>();
  return {
    getPassword: async (s, a) => store.get(`${s}/${a}`) ?? null,
    setPassword: async (s, a, p) => void store.set(`${s}/${a}`, p),
    deletePassword: async (s, a) => store.delete(`${s}/${a}`),
  };
}

async function main(): Promise<number> {
  const dataDir = env('AVA_KILL_DATA_DIR');
  // The fakes' clock is fixed in the parent: the child lives at the same instant.
  const now = Number(env('AVA_KILL_NOW'));
  const trust = createTrustBase({
    dataDir,
    env: {},
    keychain: memoryKeychain(),
    vapiUrl: env('AVA_KILL_VAPI_URL'),
    now: () => now,
    userAgent: 'AVA-Desk/kill-test',
  });
  trust.settings.setBackendUrl(env('AVA_KILL_BACKEND_URL'));
  await trust.accounts.signIn(env('AVA_KILL_EMAIL'), env('AVA_KILL_PASSWORD'), false);
  await trust.accounts.connectVapi(env('AVA_KILL_VAPI_KEY'));
  const cache = openCache(join(dataDir, 'calls.db'));
  const out = (line: string): void => void process.stdout.write(`${line}\n`);
  const engine = new SyncEngine({
    cache,
    backend: trust.backend,
    session: trust.session,
    vapi: trust.vapi,
    vault: trust.vault,
    settings: trust.settings,
    logger: trust.logger,
    now: () => now,
    backendConcurrency: Number(env('AVA_KILL_CONCURRENCY')),
    vapiPageSize: Number(env('AVA_KILL_PAGE_SIZE')),
    onProgress: (p) => out(`progress ${p.source} ${p.phase} ${p.done}`),
  });
  out('ready');
  engine.start();
  const status = await engine.run();
  await engine.stop();
  cache.close();
  await trust.close();
  out(`done ${JSON.stringify(status)}`);
  return status.lastResults.every((r) => r.ok && !r.skipped) ? 0 : 3;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `kill-child failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(2);
  },
);
