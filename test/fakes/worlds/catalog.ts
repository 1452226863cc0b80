/**
 * The named worlds.
 * - `clinic`: the demo. A Lyon medical practice with three assistants (one still pointing at an old backend URL, one
 *   with a secret header and `serverMessages` lacking `end-of-call-report`, one correct), two Twilio numbers (one
 *   imported into Vapi), 500 calls over 60 days in French and English, a few very long, some missing from the
 *   backend, most older than 24 h; plus a second small org (a bakery) whose tenant is the backend's first user.
 * - `empty`: a fresh start for the setup flow: keys and a Twilio account with three numbers, nothing imported,
 *   no assistant, no call.
 * - `scale`: benchmarks: 1,000 assistants in assorted webhook states and 100,000 calls over 120 days.
 */
import { BACKEND_WEBHOOK, type AssistantSpec, type WorldSpec } from './builder';

export const OLD_BACKEND_WEBHOOK = 'https://ava-backend-legacy.onrender.com/api/v1/webhooks/vapi';
export const CLINIC_WEBHOOK_SECRET = 'whsec_tilleuls_5f3a9c2e7b';

export const DEMO_PASSWORD = 'Tilleuls-Demo-2026';

export function clinicSpec(): WorldSpec {
  return {
    name: 'clinic',
    notes: [
      'Assistant "Accueil (ancien backend)" posts to an old backend URL: its calls are missing unless imported.',
      'Assistant "Secrétariat – ordonnances" sends x-vapi-secret but its serverMessages lack end-of-call-report.',
      'Assistant "Ava – accueil principal" is configured correctly.',
      'Twilio +33478000000 is imported into Vapi; +33478000001 is not.',
      'The backend’s first user is the bakery owner: unattributed calls leak to them.',
    ],
    backendUsers: [
      {
        key: 'owner',
        email: 'contact@boulangerie-orsted.fr',
        name: 'Mette Ørsted',
        phone: '+33611223344',
        password: 'Boulangerie-2024',
        org: 'bakery',
      },
      {
        key: 'demo',
        email: 'demo@cabinet-tilleuls.fr',
        name: 'Dr Élodie Marchand',
        phone: '+33612345678',
        password: DEMO_PASSWORD,
        org: 'clinic',
      },
    ],
    twilioAccounts: [
      {
        key: 'clinic',
        friendlyName: 'Cabinet des Tilleuls',
        numbers: [
          { number: '+33478000000', friendlyName: 'Accueil cabinet' },
          {
            number: '+33478000001',
            friendlyName: 'Ligne secrétariat',
            voiceUrl: 'https://handler.twilio.com/twiml/EH5d0b4d4ab2d1f7b1d6a6c0f1b3b6e2aa',
          },
        ],
      },
      {
        key: 'bakery',
        friendlyName: 'Boulangerie Ørsted',
        type: 'Trial',
        numbers: [{ number: '+33472112233', friendlyName: 'Boutique' }],
      },
    ],
    orgs: [
      {
        key: 'clinic',
        name: 'Cabinet médical des Tilleuls',
        server: null,
        assistants: [
          {
            key: 'legacy',
            name: 'Accueil (ancien backend)',
            server: { url: OLD_BACKEND_WEBHOOK, timeoutSeconds: 20 },
            createdDaysAgo: 200,
            callWeight: 30,
            fates: { import: 0.25 },
          },
          {
            key: 'secretariat',
            name: 'Secrétariat – ordonnances',
            server: {
              url: BACKEND_WEBHOOK,
              timeoutSeconds: 15,
              headers: { 'x-vapi-secret': CLINIC_WEBHOOK_SECRET },
              backoffPlan: { type: 'fixed', maxRetries: 2, baseDelaySeconds: 1 },
            },
            serverMessages: ['status-update', 'conversation-update', 'hang', 'tool-calls'],
            tagWithUser: 'demo',
            createdDaysAgo: 150,
            callWeight: 25,
            fates: { import: 0.3 },
          },
          {
            key: 'main',
            name: 'Ava – accueil principal',
            language: 'multi',
            server: { url: BACKEND_WEBHOOK, timeoutSeconds: 20 },
            serverMessages: ['end-of-call-report', 'status-update'],
            tagWithUser: 'demo',
            createdDaysAgo: 90,
            callWeight: 45,
            fates: { webhook: 0.65, import: 0.27, leaked: 0.03 },
          },
        ],
        phoneNumbers: [
          {
            key: 'main-line',
            twilioAccount: 'clinic',
            number: '+33478000000',
            name: 'Accueil cabinet',
            assistant: 'main',
          },
        ],
        calls: {
          count: 500,
          days: 60,
          recent: 12,
          live: 1,
          longCalls: 4,
          tenant: 'demo',
          twilioStatusRows: 6,
          legacyOlderThanDays: 45,
        },
      },
      {
        key: 'bakery',
        name: 'Boulangerie Ørsted',
        server: { url: BACKEND_WEBHOOK },
        assistants: [
          { key: 'shop', name: 'Boutique', createdDaysAgo: 30, fates: { webhook: 0.9 }, tagWithUser: 'owner' },
        ],
        phoneNumbers: [
          {
            key: 'shop-line',
            twilioAccount: 'bakery',
            number: '+33472112233',
            name: 'Boutique',
            assistant: 'shop',
            server: { url: 'https://hooks.boulangerie-orsted.fr/vapi' },
            smsEnabled: false,
          },
        ],
        calls: { count: 12, days: 10, recent: 2, tenant: 'owner', languages: { fr: 1, en: 0 } },
      },
    ],
    demo: { org: 'clinic', twilioAccount: 'clinic', backendUser: 'demo' },
  };
}

export function emptySpec(): WorldSpec {
  return {
    name: 'empty',
    notes: ['A fresh account: no assistant, nothing imported, no call.'],
    backendUsers: [
      {
        key: 'demo',
        email: 'demo@cabinet-tilleuls.fr',
        name: 'Dr Élodie Marchand',
        phone: '+33612345678',
        password: DEMO_PASSWORD,
        org: 'clinic',
        storesVapiKey: false,
      },
    ],
    twilioAccounts: [
      {
        key: 'clinic',
        friendlyName: 'Cabinet des Tilleuls',
        numbers: [
          { number: '+33478000000', friendlyName: 'Accueil cabinet' },
          { number: '+33478000001', friendlyName: 'Ligne secrétariat' },
          { number: '+33478000002', friendlyName: 'Fax (ancien)' },
        ],
      },
    ],
    orgs: [{ key: 'clinic', name: 'Cabinet médical des Tilleuls', assistants: [] }],
  };
}

export interface ScaleOptions {
  assistants?: number;
  calls?: number;
  days?: number;
}

/** 1,000 assistants in assorted states (correct, old URL, no server, secret without end-of-call-report, …). */
export function scaleSpec(options: ScaleOptions = {}): WorldSpec {
  const count = options.assistants ?? 1000;
  const assistants: AssistantSpec[] = [];
  for (let i = 0; i < count; i++) {
    const kind = i % 10;
    const a: AssistantSpec = {
      key: `a${i}`,
      name: `Assistant ${String(i + 1).padStart(4, '0')} – site ${(i % 37) + 1}`,
      createdDaysAgo: 400 - (i % 300),
      language: i % 3 === 0 ? 'en' : 'fr',
      tagWithUser: kind === 9 ? undefined : 'demo',
      fates: { webhook: 0.6, import: 0.3 },
    };
    if (kind <= 3) {
      a.server = { url: BACKEND_WEBHOOK, timeoutSeconds: 20 };
      a.serverMessages = ['end-of-call-report', 'status-update'];
    } else if (kind <= 5) {
      a.server = { url: OLD_BACKEND_WEBHOOK, timeoutSeconds: 20, headers: { 'x-vapi-secret': `s${i}` } };
      a.fates = { import: 0.3 };
    } else if (kind === 6) {
      a.fates = { import: 0.3 };
    } else if (kind === 7) {
      a.server = {
        url: BACKEND_WEBHOOK,
        headers: { 'x-vapi-secret': `s${i}` },
        credentialId: '3f1c2a9e-5b7d-4c1e-9a2b-7e6d5c4b3a21',
        backoffPlan: { type: 'exponential', maxRetries: 3, baseDelaySeconds: 2, excludedStatusCodes: [400, 401] },
      };
      a.serverMessages = ['status-update', 'hang'];
      a.fates = { import: 0.3 };
    } else if (kind === 8) {
      a.server = { url: 'https://ava-api-production.onrender.com/api/v1/webhooks/vapi', timeoutSeconds: 30 };
      a.fates = { import: 0.3 };
    } else {
      a.server = { url: BACKEND_WEBHOOK };
      a.fates = { leaked: 0.5, import: 0.3 };
    }
    assistants.push(a);
  }
  return {
    name: 'scale',
    notes: [`${count} assistants; calls are generated lazily.`],
    backendUsers: [
      { key: 'owner', email: 'ops@ava-backend.dev', name: 'AVA Ops', password: 'Ops-Backend-2024', org: undefined },
      {
        key: 'demo',
        email: 'demo@cabinet-tilleuls.fr',
        name: 'Dr Élodie Marchand',
        phone: '+33612345678',
        password: DEMO_PASSWORD,
        org: 'scale',
      },
    ],
    twilioAccounts: [
      {
        key: 'scale',
        friendlyName: 'Réseau de cabinets',
        numbers: [
          { number: '+33478000000', friendlyName: 'Standard' },
          { number: '+33478000001', friendlyName: 'Urgences' },
        ],
        generatedNumbers: 248,
      },
    ],
    orgs: [
      {
        key: 'scale',
        name: 'Réseau de cabinets',
        assistants,
        phoneNumbers: [
          { key: 'standard', twilioAccount: 'scale', number: '+33478000000', name: 'Standard', assistant: 'a0' },
          { key: 'urgences', twilioAccount: 'scale', number: '+33478000001', name: 'Urgences', assistant: 'a1' },
        ],
        calls: {
          count: options.calls ?? 100_000,
          days: options.days ?? 120,
          recent: 600,
          longCalls: Math.round((options.calls ?? 100_000) / 1000),
          tenant: 'demo',
          backendRowsLimit: 400,
          twilioStatusRows: 4,
          legacyOlderThanDays: 100,
        },
      },
    ],
    demo: { org: 'scale', twilioAccount: 'scale', backendUser: 'demo' },
  };
}

export const WORLD_NAMES = ['clinic', 'empty', 'scale'] as const;
export type WorldName = (typeof WORLD_NAMES)[number];

export function specFor(name: string): WorldSpec {
  switch (name) {
    case 'clinic':
      return clinicSpec();
    case 'empty':
      return emptySpec();
    case 'scale':
      return scaleSpec();
    default:
      throw new Error(`unknown world "${name}" (known: ${WORLD_NAMES.join(', ')})`);
  }
}
