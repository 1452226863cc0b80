/**
 * The demo's accounts: what an owner would type in Settings, applied through the same handlers, against the local
 * fakes. Used only when a shell is started in demo mode (`npm run demo`).
 */
import type { Handlers } from '../../shared/contract';
import type { Logger } from './log/logger';

export interface DemoSetup {
  backendUrl: string;
  identifier: string;
  password: string;
  vapiPrivateKey: string;
  twilioAccountSid: string;
  twilioAuthToken: string;
}

export async function applyDemoSetup(handlers: Handlers, demo: DemoSetup, logger: Logger): Promise<void> {
  const settings = await handlers.settings.get();
  if (settings.backendUrl !== demo.backendUrl) await handlers.backend.setUrl({ url: demo.backendUrl });
  if ((await handlers.auth.status()).state !== 'signed-in') {
    await handlers.auth.signIn({ identifier: demo.identifier, password: demo.password, remember: true });
  }
  const secrets = await handlers.secrets.status();
  if (!secrets.secrets.vapiPrivateKey.set) await handlers.vapi.connect({ privateKey: demo.vapiPrivateKey });
  if (!secrets.secrets.twilioAuthToken.set) {
    await handlers.twilio.connect({ accountSid: demo.twilioAccountSid, authToken: demo.twilioAuthToken });
  }
  logger.info('demo: accounts connected', { backendUrl: demo.backendUrl });
}

/** Reads the demo accounts handed over by `scripts/demo.mjs` (JSON in `AVA_DESK_DEMO`). */
export function demoFromEnv(env: NodeJS.ProcessEnv): DemoSetup | undefined {
  const raw = env.AVA_DESK_DEMO;
  if (!raw) return undefined;
  const parsed = JSON.parse(raw) as Partial<DemoSetup>;
  const keys: (keyof DemoSetup)[] = [
    'backendUrl',
    'identifier',
    'password',
    'vapiPrivateKey',
    'twilioAccountSid',
    'twilioAuthToken',
  ];
  for (const key of keys) {
    if (typeof parsed[key] !== 'string') throw new Error(`AVA_DESK_DEMO is missing ${key}`);
  }
  return parsed as DemoSetup;
}
