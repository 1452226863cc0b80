/**
 * Twilio REST client (2010-04-01), over the shared HTTP layer, with HTTP Basic auth `AccountSid:AuthToken`.
 *
 * Public API
 * - `new TwilioClient({ http, getCredentials, baseUrl? })`: `getCredentials()` supplies `{ accountSid, authToken }`
 *   (SID from settings, token from the vault); none → `AppError` `missing-secret` (service `twilio`).
 * - `checkCredentials(credentials)` → the account (`GET /Accounts/{Sid}.json`) with the given credentials;
 *   `unauthorized` (Twilio code 20003) for a wrong pair.
 * - `getAccount()` → the account with the saved credentials.
 * - `listIncomingNumbers({ pageSize = 50, maxPages = 20 })` → every number of the account, following
 *   `next_page_uri` (a path relative to the base URL) until it is null. A next page on another host is refused
 *   (`invalid-response`): the credentials only ever go to the configured base.
 *
 * The account answer carries the account's own `auth_token`: it is registered with the redactor and removed from
 * what this client returns. The Basic string and the token are registered with the redactor before each request.
 */
import { AppError } from '../../../shared/errors';
import type { HttpClient } from '../http/client';
import { HttpError } from '../http/errors';
import {
  TwilioAccountSchema,
  TwilioIncomingNumbersPageSchema,
  type TwilioAccount,
  type TwilioIncomingNumber,
} from './schemas';

export const DEFAULT_TWILIO_URL = 'https://api.twilio.com';
const API = '/2010-04-01';

export interface TwilioCredentials {
  accountSid: string;
  authToken: string;
}

export interface TwilioClientOptions {
  http: HttpClient;
  getCredentials: () => Promise<TwilioCredentials | null>;
  baseUrl?: string;
}

export class TwilioClient {
  private readonly http: HttpClient;
  private readonly getCredentials: () => Promise<TwilioCredentials | null>;
  private readonly base: URL;

  constructor(options: TwilioClientOptions) {
    this.http = options.http;
    this.getCredentials = options.getCredentials;
    this.base = new URL(options.baseUrl ?? DEFAULT_TWILIO_URL);
  }

  async checkCredentials(credentials: TwilioCredentials): Promise<TwilioAccount> {
    return this.fetchAccount(credentials);
  }

  async getAccount(): Promise<TwilioAccount> {
    return this.fetchAccount(await this.saved());
  }

  async listIncomingNumbers(options: { pageSize?: number; maxPages?: number } = {}): Promise<TwilioIncomingNumber[]> {
    const credentials = await this.saved();
    const sid = checkSid(credentials.accountSid);
    const pageSize = Math.min(Math.max(options.pageSize ?? 50, 1), 1000);
    const maxPages = options.maxPages ?? 20;
    let url: URL | null = this.resolve(`${API}/Accounts/${sid}/IncomingPhoneNumbers.json?PageSize=${pageSize}`);
    const numbers: TwilioIncomingNumber[] = [];
    for (let page = 0; url && page < maxPages; page++) {
      const body: { incoming_phone_numbers: TwilioIncomingNumber[]; next_page_uri?: string | null } =
        await this.http.json({
          service: 'twilio',
          url,
          headers: { authorization: basic(credentials, this.http) },
          schema: TwilioIncomingNumbersPageSchema,
        });
      numbers.push(...body.incoming_phone_numbers);
      url = body.next_page_uri ? this.nextPage(body.next_page_uri) : null;
    }
    return numbers;
  }

  private async fetchAccount(credentials: TwilioCredentials): Promise<TwilioAccount> {
    const sid = checkSid(credentials.accountSid);
    const account = await this.http.json({
      service: 'twilio',
      url: this.resolve(`${API}/Accounts/${sid}.json`),
      headers: { authorization: basic(credentials, this.http) },
      schema: TwilioAccountSchema,
    });
    const { auth_token: token, ...rest } = account as typeof account & { auth_token?: unknown };
    if (typeof token === 'string') this.http.redactor.addSecret(token);
    return rest as TwilioAccount;
  }

  private async saved(): Promise<TwilioCredentials> {
    const credentials = await this.getCredentials();
    if (!credentials?.accountSid || !credentials.authToken) {
      throw new AppError({
        code: 'missing-secret',
        service: 'twilio',
        message: 'No Twilio account is connected yet. Enter the account SID and auth token in Settings.',
      });
    }
    return credentials;
  }

  private resolve(path: string): URL {
    const basePath = this.base.pathname.replace(/\/+$/, '');
    return new URL(`${basePath}${path}`, this.base.origin);
  }

  private nextPage(uri: string): URL {
    const next = uri.startsWith('/') ? this.resolve(uri) : new URL(uri);
    if (next.origin !== this.base.origin) {
      throw new HttpError({
        code: 'invalid-response',
        message: 'Twilio sent an answer AVA Desk does not understand.',
        detail: `next_page_uri points to another host (${next.host})`,
        service: 'twilio',
        status: 200,
        method: 'GET',
        path: '',
      });
    }
    return next;
  }
}

function checkSid(sid: string): string {
  if (!/^AC[0-9a-fA-F]{32}$/.test(sid)) {
    throw new AppError({
      code: 'invalid-input',
      service: 'twilio',
      message: 'A Twilio account SID starts with AC and has 34 characters.',
    });
  }
  return sid;
}

function basic(credentials: TwilioCredentials, http: HttpClient): string {
  http.redactor.addSecret(credentials.authToken);
  return `Basic ${Buffer.from(`${credentials.accountSid}:${credentials.authToken}`).toString('base64')}`;
}
