/**
 * `npm run fakes -- --world clinic [--seed 1] [--port-vapi N] [--port-twilio N] [--port-backend N] [--now ISO] [--json]`
 * Starts the three fakes with a world and prints their URLs and the demo credentials (one JSON line with --json),
 * then stays up until SIGINT/SIGTERM.
 */
import { createFakeClock } from './lib/clock';
import { WORLD_NAMES } from './worlds/catalog';
import { type Fakes, startFakes } from './index';

interface CliArgs {
  world: string;
  seed: number;
  json: boolean;
  ports: { vapi?: number; twilio?: number; backend?: number };
  now?: number;
  fixedWebhookReceiver: boolean;
}

function usage(message?: string): never {
  if (message) console.error(message);
  console.error(
    `usage: npm run fakes -- [--world ${WORLD_NAMES.join('|')}] [--seed N] [--port-vapi N] [--port-twilio N] [--port-backend N] [--now ISO-DATE] [--fixed-webhook-receiver] [--json]`,
  );
  process.exit(2);
}

function parseArgs(argv: string[]): CliArgs {
  const args: CliArgs = { world: 'clinic', seed: 1, json: false, ports: {}, fixedWebhookReceiver: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.includes('=')
      ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
      : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) usage(`${flag} needs a value`);
      return v;
    };
    const port = (): number => {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 0 || n > 65535) usage(`${flag} must be a port number`);
      return n;
    };
    switch (flag) {
      case '--world':
        args.world = value();
        if (!(WORLD_NAMES as readonly string[]).includes(args.world)) usage(`unknown world ${args.world}`);
        break;
      case '--seed':
        args.seed = Number(value());
        if (!Number.isInteger(args.seed)) usage('--seed must be an integer');
        break;
      case '--port-vapi':
        args.ports.vapi = port();
        break;
      case '--port-twilio':
        args.ports.twilio = port();
        break;
      case '--port-backend':
        args.ports.backend = port();
        break;
      case '--now': {
        const ms = Date.parse(value());
        if (!Number.isFinite(ms)) usage('--now must be an ISO date');
        args.now = ms;
        break;
      }
      case '--fixed-webhook-receiver':
        args.fixedWebhookReceiver = true;
        break;
      case '--json':
        args.json = true;
        break;
      case '--help':
      case '-h':
        usage();
        break;
      default:
        usage(`unknown argument ${arg}`);
    }
  }
  return args;
}

function describe(fakes: Fakes): string {
  const c = fakes.credentials;
  return [
    `AVA Desk fakes: world "${fakes.world.name}" (seed ${fakes.world.seed})`,
    '',
    `  Vapi     ${c.urls.vapi}`,
    `           private key ${c.vapi.privateKey}   public key ${c.vapi.publicKey}`,
    `  Twilio   ${c.urls.twilio}`,
    `           account SID ${c.twilio.accountSid}   auth token ${c.twilio.authToken}`,
    `  Backend  ${c.urls.backend}`,
    `           sign in as ${c.backend.email} (or ${c.backend.phone ?? '-'}) / ${c.backend.password}   user id ${c.backend.userId}`,
    '',
    ...fakes.world.notes.map((n) => `  · ${n}`),
    '',
    `  Control routes: <url>/__control/... (see test/fakes/README.md). Ctrl-C to stop.`,
  ].join('\n');
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const fakes = await startFakes({
    world: args.world,
    seed: args.seed,
    ports: args.ports,
    ...(args.now !== undefined ? { clock: createFakeClock({ start: args.now }) } : {}),
    ...(args.fixedWebhookReceiver ? { backendSwitches: { fixedWebhookReceiver: true } } : {}),
  });
  if (args.json) {
    process.stdout.write(
      JSON.stringify({
        world: fakes.world.name,
        seed: fakes.world.seed,
        ...fakes.credentials,
        notes: fakes.world.notes,
      }) + '\n',
    );
  } else {
    console.log(describe(fakes));
  }
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void fakes.close().then(() => process.exit(0));
    setTimeout(() => process.exit(0), 3_000).unref();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
