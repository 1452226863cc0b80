/**
 * What every answer and every log line pays on its way through the core: the edge schema check of a `GET /call` page
 * (clients/schemas.ts) and the redaction of a log line (log/redact.ts).
 *
 *   npx tsx bench/edge-checks.ts [--page 1000]
 *
 * Prints
 * - validating a page of `--page` real-shaped Vapi calls (the Vapi fake's scale world, fetched once over loopback):
 *   median of 15 runs after a warm-up, per page and per call;
 * - redacting a typical HTTP log line with 20 registered secrets: µs per line over 20,000 lines.
 * Targets: a page of 1,000 calls in under 25 ms (a small share of the ~85 ms it takes to fetch and parse it); under
 * 50 µs a log line.
 */
import { VapiCallListSchema } from '../src/main/core/clients/schemas';
import { Redactor } from '../src/main/core/log/redact';
import { argNumber, sourceFromArgs } from './cache-source';
import { Targets } from './targets';

const PAGE = argNumber('--page', 1000);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function main(): Promise<void> {
  const source = await sourceFromArgs(PAGE);
  let body: Buffer | null;
  try {
    body = await source.fetchPage(null);
  } finally {
    source.close();
  }
  if (!body) throw new Error('the source served no page');
  const page = JSON.parse(body.toString('utf8')) as unknown[];
  if (page.length !== PAGE) throw new Error(`expected a page of ${PAGE} calls, got ${page.length}`);
  const targets = new Targets();

  for (let i = 0; i < 3; i++) VapiCallListSchema.parse(page);
  const runs: number[] = [];
  for (let i = 0; i < 15; i++) {
    const t0 = performance.now();
    VapiCallListSchema.parse(page);
    runs.push(performance.now() - t0);
  }
  const pageMs = median(runs);
  // ms for 1,000 calls, which is also µs a call.
  const msPerThousand = (pageMs * 1000) / PAGE;
  console.log(
    `edge check of a GET /call page: ${PAGE} calls (${(body.length / 1024).toFixed(0)} KB) in ${pageMs.toFixed(2)} ms ` +
      `(median of 15), ${msPerThousand.toFixed(1)} µs a call ` +
      targets.check('edge check of 1,000 calls', msPerThousand, '<', 25, ' ms'),
  );

  const redactor = new Redactor({ secretHeaderNames: ['x-vapi-secret'] });
  for (let i = 0; i < 20; i++) redactor.addSecret(`secret-value-number-${i}-${'x'.repeat(i)}`);
  const line = JSON.stringify({
    msg: 'http',
    service: 'backend',
    method: 'GET',
    url: 'https://ava-api.example/api/v1/calls?limit=200',
    status: 200,
    ms: 31,
    requestId: '7f1c0b9e-1234',
  });
  for (let i = 0; i < 1000; i++) redactor.redact(line);
  const n = 20_000;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) redactor.redact(line);
  const perLineUs = ((performance.now() - t0) * 1000) / n;
  console.log(
    `redaction of a log line (20 secrets registered): ${perLineUs.toFixed(2)} µs ` +
      targets.check('redaction of a log line', perLineUs, '<', 50, ' µs'),
  );
  targets.report();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
