/**
 * The Twilio fake: `GET /2010-04-01/Accounts/{Sid}.json` and `GET /2010-04-01/Accounts/{Sid}/IncomingPhoneNumbers.json`
 * with HTTP Basic auth (account SID + auth token, or an API key SID + secret), Twilio's paging
 * (`PageSize` default 50, max 1000, `Page`, `PageToken`, relative `next_page_uri`), the `PhoneNumber` and
 * `FriendlyName` filters, and Twilio's error bodies (`{code, message, more_info, status}`; 401 is code 20003).
 * The Vapi fake reaches the same `TwilioDirectory` in process when a number is imported.
 */
import { type FakeClock, createFakeClock } from '../lib/clock';
import { type FaultController, createFaultController } from '../lib/faults';
import { Rng } from '../lib/rng';
import {
  type FakeRequest,
  type FakeResponse,
  type RequestLogEntry,
  Router,
  parseJson,
  startFakeServer,
} from '../lib/server';
import type { WorldTwilioAccount, WorldTwilioNumber } from '../worlds/types';

const API = '/2010-04-01';

export interface TwilioFakeOptions {
  port?: number;
  clock?: FakeClock;
  /** Seed of the fault draws. */
  seed?: number;
  accounts?: WorldTwilioAccount[];
  /** Adds routes under /__control (startFakes adds `POST /reset`). */
  extraControl?: (router: Router) => void;
}

export interface TwilioFake {
  url: string;
  port: number;
  directory: TwilioDirectory;
  faults: FaultController;
  requests(): RequestLogEntry[];
  clearRequests(): void;
  close(): Promise<void>;
}

export interface TwilioCredentials {
  authToken?: string;
  apiKey?: string;
  apiSecret?: string;
}

/** The accounts and numbers of the fake (shared with the Vapi fake's import). */
export class TwilioDirectory {
  private readonly accounts = new Map<string, WorldTwilioAccount>();

  constructor(
    accounts: WorldTwilioAccount[],
    private readonly clock: FakeClock,
  ) {
    for (const a of accounts) this.accounts.set(a.sid, structuredClone(a));
  }

  /** Replaces every account (copies are kept: the world's objects stay untouched). */
  reset(accounts: WorldTwilioAccount[] = []): void {
    this.accounts.clear();
    for (const a of accounts) this.accounts.set(a.sid, structuredClone(a));
  }

  list(): WorldTwilioAccount[] {
    return [...this.accounts.values()];
  }

  get(sid: string): WorldTwilioAccount | undefined {
    return this.accounts.get(sid);
  }

  addAccount(account: WorldTwilioAccount): void {
    this.accounts.set(account.sid, structuredClone(account));
  }

  /** The account the credentials open, if `sid` is that account and the secret matches. */
  open(sid: string, credentials: TwilioCredentials): WorldTwilioAccount | null {
    const account = this.accounts.get(sid);
    if (!account) return null;
    if (credentials.authToken !== undefined && credentials.authToken !== '') {
      return credentials.authToken === account.authToken ? account : null;
    }
    if (credentials.apiKey && credentials.apiSecret) {
      return account.apiKeys.some((k) => k.sid === credentials.apiKey && k.secret === credentials.apiSecret)
        ? account
        : null;
    }
    return null;
  }

  /** Basic auth: `AccountSid:AuthToken` or `SKxxx:secret` for the account in the path. */
  authenticate(sid: string, authorization: string | undefined): WorldTwilioAccount | null {
    if (!authorization || !/^Basic\s+/i.test(authorization)) return null;
    let decoded: string;
    try {
      decoded = Buffer.from(authorization.replace(/^Basic\s+/i, ''), 'base64').toString('utf8');
    } catch {
      return null;
    }
    const colon = decoded.indexOf(':');
    if (colon < 0) return null;
    const user = decoded.slice(0, colon);
    const secret = decoded.slice(colon + 1);
    if (user.startsWith('SK')) return this.open(sid, { apiKey: user, apiSecret: secret });
    if (user !== sid) return null;
    return this.open(sid, { authToken: secret });
  }

  findNumber(accountSid: string, credentials: TwilioCredentials, number: string): WorldTwilioNumber | null {
    const account = this.open(accountSid, credentials);
    return account?.numbers.find((n) => n.phoneNumber === number) ?? null;
  }

  /** What Vapi's import does to the number: its voice URL (and SMS URL unless SMS is off) now point at Vapi. */
  routeToVapi(accountSid: string, number: string, smsEnabled: boolean): void {
    const n = this.accounts.get(accountSid)?.numbers.find((x) => x.phoneNumber === number);
    if (!n) return;
    n.voiceUrl = 'https://api.vapi.ai/twilio/inbound_call';
    if (smsEnabled) n.smsUrl = 'https://api.vapi.ai/twilio/sms';
  }

  addNumber(accountSid: string, input: Partial<WorldTwilioNumber> & { phoneNumber: string }): WorldTwilioNumber {
    const account = this.accounts.get(accountSid);
    if (!account) throw new Error(`no Twilio account ${accountSid}`);
    const n: WorldTwilioNumber = {
      sid: input.sid ?? 'PN' + Rng.of('added-number', accountSid, input.phoneNumber).hex(32),
      phoneNumber: input.phoneNumber,
      friendlyName: input.friendlyName ?? input.phoneNumber,
      voiceUrl: input.voiceUrl ?? '',
      smsUrl: input.smsUrl ?? '',
      dateCreated: input.dateCreated ?? this.clock.now(),
      capabilities: input.capabilities ?? { voice: true, sms: true, mms: false, fax: false },
    };
    account.numbers.push(n);
    return n;
  }
}

function rfc2822(ms: number): string {
  return new Date(ms).toUTCString().replace('GMT', '+0000');
}

export function twilioError(status: number, code: number, message: string): FakeResponse {
  return {
    status,
    json: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status },
  };
}

const UNAUTHORIZED = (): FakeResponse => {
  const r = twilioError(401, 20003, 'Authenticate');
  r.headers = { 'WWW-Authenticate': 'Basic realm="Twilio API"' };
  return r;
};

function accountJson(a: WorldTwilioAccount): Record<string, unknown> {
  const base = `${API}/Accounts/${a.sid}`;
  return {
    auth_token: a.authToken,
    date_created: rfc2822(a.dateCreated),
    date_updated: rfc2822(a.dateCreated + 86_400_000),
    friendly_name: a.friendlyName,
    owner_account_sid: a.sid,
    sid: a.sid,
    status: a.status,
    subresource_uris: {
      addresses: `${base}/Addresses.json`,
      calls: `${base}/Calls.json`,
      incoming_phone_numbers: `${base}/IncomingPhoneNumbers.json`,
      messages: `${base}/Messages.json`,
      recordings: `${base}/Recordings.json`,
    },
    type: a.type,
    uri: `${base}.json`,
  };
}

function numberJson(a: WorldTwilioAccount, n: WorldTwilioNumber): Record<string, unknown> {
  const uri = `${API}/Accounts/${a.sid}/IncomingPhoneNumbers/${n.sid}.json`;
  return {
    account_sid: a.sid,
    address_requirements: 'none',
    address_sid: null,
    api_version: '2010-04-01',
    beta: false,
    bundle_sid: null,
    capabilities: { ...n.capabilities },
    date_created: rfc2822(n.dateCreated),
    date_updated: rfc2822(n.dateCreated),
    emergency_address_sid: null,
    emergency_address_status: 'unregistered',
    emergency_status: 'Active',
    friendly_name: n.friendlyName,
    identity_sid: null,
    origin: 'twilio',
    phone_number: n.phoneNumber,
    sid: n.sid,
    sms_application_sid: '',
    sms_fallback_method: 'POST',
    sms_fallback_url: '',
    sms_method: 'POST',
    sms_url: n.smsUrl,
    status: 'in-use',
    status_callback: '',
    status_callback_method: 'POST',
    subresource_uris: { assigned_add_ons: uri.replace('.json', '/AssignedAddOns.json') },
    trunk_sid: null,
    type: 'local',
    uri,
    voice_application_sid: '',
    voice_caller_id_lookup: false,
    voice_fallback_method: 'POST',
    voice_fallback_url: '',
    voice_method: 'POST',
    voice_receive_mode: 'voice',
    voice_url: n.voiceUrl,
  };
}

export async function startTwilioFake(options: TwilioFakeOptions = {}): Promise<TwilioFake> {
  const clock = options.clock ?? createFakeClock();
  const directory = new TwilioDirectory(options.accounts ?? [], clock);
  const faults = createFaultController(options.seed ?? 1, 'twilio');
  const api = new Router();
  const control = new Router();

  api.add('GET', `${API}/Accounts/:sid.json`, (req) => {
    const account = directory.authenticate(req.params.sid!, req.headers.authorization);
    if (!account) return UNAUTHORIZED();
    return { status: 200, json: accountJson(account) };
  });

  api.add('GET', `${API}/Accounts/:sid/IncomingPhoneNumbers.json`, (req) => {
    const account = directory.authenticate(req.params.sid!, req.headers.authorization);
    if (!account) return UNAUTHORIZED();
    return { status: 200, json: listNumbers(account, req) };
  });

  control
    .add('GET', '/accounts', () => ({ status: 200, json: directory.list() }))
    .add('POST', '/accounts/:sid/numbers', (req) => {
      const body = parseJson(req) as Partial<WorldTwilioNumber> & { phoneNumber?: string };
      if (typeof body.phoneNumber !== 'string') throw new Error('phoneNumber is required');
      return { status: 201, json: directory.addNumber(req.params.sid!, { ...body, phoneNumber: body.phoneNumber }) };
    })
    .add('PATCH', '/accounts/:sid', (req) => {
      const account = directory.get(req.params.sid!);
      if (!account) return { status: 404, json: { error: 'no such account' } };
      const body = parseJson(req) as { status?: WorldTwilioAccount['status']; authToken?: string };
      if (body.status) account.status = body.status;
      if (body.authToken) account.authToken = body.authToken;
      return { status: 200, json: account };
    });
  options.extraControl?.(control);

  const server = await startFakeServer({
    name: 'twilio',
    ...(options.port !== undefined ? { port: options.port } : {}),
    api,
    control,
    faults,
    clock,
    errors: (status, reason, req) => {
      if (reason === 'not-found' || reason === 'method-not-allowed') {
        return twilioError(404, 20404, `The requested resource ${req.path} was not found`);
      }
      const messages: Record<number, [number, string]> = {
        429: [20429, 'Too Many Requests'],
        500: [20500, 'Internal Server Error'],
        502: [20502, 'Bad Gateway'],
        503: [20503, 'Service Unavailable'],
      };
      const [code, message] = messages[status] ?? [status * 100, 'Error'];
      return twilioError(status, code, message);
    },
    decorate: (req, res) => {
      res.headers = {
        ...res.headers,
        'Twilio-Request-Id': 'RQ' + Rng.of('rq', req.path, Date.now(), Math.random()).hex(32),
      };
    },
  });

  return {
    url: server.url,
    port: server.port,
    directory,
    faults,
    requests: server.requests,
    clearRequests: server.clearRequests,
    close: server.close,
  };
}

function listNumbers(account: WorldTwilioAccount, req: FakeRequest): Record<string, unknown> {
  const q = req.query;
  const requestedSize = Number.parseInt(q.get('PageSize') ?? '50', 10);
  const pageSize = Math.min(1000, Math.max(1, Number.isFinite(requestedSize) ? requestedSize : 50));
  const requestedPage = Number.parseInt(q.get('Page') ?? '0', 10);
  const page = Math.max(0, Number.isFinite(requestedPage) ? requestedPage : 0);
  const phoneFilter = q.get('PhoneNumber');
  const nameFilter = q.get('FriendlyName');
  let numbers = [...account.numbers].sort((a, b) => a.dateCreated - b.dateCreated || a.sid.localeCompare(b.sid));
  if (phoneFilter) {
    const pattern = new RegExp(
      phoneFilter
        .split('*')
        .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*'),
    );
    numbers = numbers.filter((n) => pattern.test(n.phoneNumber));
  }
  if (nameFilter) numbers = numbers.filter((n) => n.friendlyName === nameFilter);
  const start = page * pageSize;
  const slice = numbers.slice(start, start + pageSize);
  const base = `${API}/Accounts/${account.sid}/IncomingPhoneNumbers.json`;
  const filters = `${phoneFilter ? `&PhoneNumber=${encodeURIComponent(phoneFilter)}` : ''}${
    nameFilter ? `&FriendlyName=${encodeURIComponent(nameFilter)}` : ''
  }`;
  const pageUri = (p: number): string => {
    const token = p > 0 ? `&PageToken=PA${Rng.of('page-token', account.sid, p).hex(32)}` : '';
    return `${base}?PageSize=${pageSize}&Page=${p}${filters}${token}`;
  };
  const hasNext = start + pageSize < numbers.length;
  return {
    end: start + Math.max(0, slice.length - 1),
    first_page_uri: pageUri(0),
    incoming_phone_numbers: slice.map((n) => numberJson(account, n)),
    next_page_uri: hasNext ? pageUri(page + 1) : null,
    page,
    page_size: pageSize,
    previous_page_uri: page > 0 ? pageUri(page - 1) : null,
    start,
    uri: pageUri(page),
  };
}
