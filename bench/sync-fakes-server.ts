/**
 * The fakes in a process of their own for the sync benchmarks, with a scale world of any size:
 *   node --import tsx bench/sync-fakes-server.ts [--calls N] [--assistants N] [--days N] [--seed N]
 * Prints one JSON line (the credentials and URLs, like `test/fakes/cli.ts --json`), then serves until SIGTERM.
 */
import { startFakes, scaleSpec } from '../test/fakes';

function num(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isFinite(v) ? v : fallback;
}

async function main(): Promise<void> {
  const fakes = await startFakes({
    world: scaleSpec({ calls: num('calls', 100_000), assistants: num('assistants', 1000), days: num('days', 120) }),
    seed: num('seed', 1),
  });
  process.stdout.write(`${JSON.stringify(fakes.credentials)}\n`);
  const stop = (): void => {
    void fakes.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
