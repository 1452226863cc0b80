/**
 * Real JWTs (HS256 over node:crypto) that really expire against the fake clock: access tokens live 15 minutes
 * (30 days with "remember me"), refresh tokens 7 days.
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';

export const ACCESS_TTL_SECONDS = 15 * 60;
export const REMEMBER_TTL_SECONDS = 30 * 24 * 3600;
export const REFRESH_TTL_SECONDS = 7 * 24 * 3600;

export interface TokenClaims {
  sub: string;
  type: 'access' | 'refresh';
  iat: number;
  exp: number;
  jti: string;
  remember?: boolean;
}

const b64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

export function signToken(claims: TokenClaims, secret: string): string {
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = b64url(JSON.stringify(claims));
  const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}

export type VerifyResult =
  { ok: true; claims: TokenClaims } | { ok: false; reason: 'malformed' | 'signature' | 'expired' };

export function verifyToken(token: string, secret: string, nowMs: number): VerifyResult {
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'malformed' };
  const [header, payload, signature] = parts as [string, string, string];
  const expected = createHmac('sha256', secret).update(`${header}.${payload}`).digest();
  let given: Buffer;
  try {
    given = Buffer.from(signature, 'base64url');
  } catch {
    return { ok: false, reason: 'signature' };
  }
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'signature' };
  let claims: TokenClaims;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as TokenClaims;
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (typeof claims.exp !== 'number' || nowMs >= claims.exp * 1000) return { ok: false, reason: 'expired' };
  return { ok: true, claims };
}

export function issue(
  sub: string,
  type: 'access' | 'refresh',
  ttlSeconds: number,
  nowMs: number,
  secret: string,
  remember?: boolean,
): string {
  const iat = Math.floor(nowMs / 1000);
  const claims: TokenClaims = { sub, type, iat, exp: iat + ttlSeconds, jti: randomUUID() };
  if (remember !== undefined) claims.remember = remember;
  return signToken(claims, secret);
}
