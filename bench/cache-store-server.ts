/**
 * Child process of bench/cache-store.ts: serves generated Vapi call pages over loopback HTTP, like `GET /call` (a bare
 * JSON array). `POST /prepare?page=N` builds and serializes page N ahead of time, so the timed `GET /call?page=N` that
 * follows measures the transfer, not the generator.
 */
import { createServer } from 'node:http';
import { generateVapiCall, seededRandom } from './cache-fixtures';

const PAGE = Number(process.env.PAGE_SIZE ?? 1000);
const pages = new Map<number, Buffer>();

function build(page: number): Buffer {
  let body = pages.get(page);
  if (body === undefined) {
    const rand = seededRandom(1000 + page);
    const calls = [];
    for (let i = 0; i < PAGE; i++) calls.push(generateVapiCall(rand, 100_000 - page * PAGE - i).call);
    body = Buffer.from(JSON.stringify(calls));
    pages.set(page, body);
    for (const key of pages.keys()) if (key < page - 1) pages.delete(key);
  }
  return body;
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const page = Number(url.searchParams.get('page') ?? 0);
  const body = build(page);
  if (req.method === 'POST') {
    res.writeHead(204).end();
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length }).end(body);
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.send?.({ port: typeof address === 'object' && address ? address.port : 0 });
});
process.on('disconnect', () => server.close(() => process.exit(0)));
