/**
 * Whether an assistant's call reports reach the backend, as a pure function of the assistant and the backend URL.
 * The target is `{backendUrl}/api/v1/webhooks/vapi` in `server.url` (never the legacy `serverUrl`), and a
 * `serverMessages` list, when set, must include `end-of-call-report`.
 */
import type { WebhookHealth } from '../../../shared/domain';

export const WEBHOOK_PATH = '/api/v1/webhooks/vapi';

export interface AssistantWebhookFields {
  server?: { url?: string | null; headers?: Record<string, unknown> | null } | null;
  serverMessages?: readonly string[] | null;
}

export function webhookTarget(backendUrl: string): string {
  return `${backendUrl.replace(/\/+$/, '')}${WEBHOOK_PATH}`;
}

/** Two URLs name the same webhook when they differ only in case of the host or a trailing slash. */
export function sameWebhookUrl(a: string, b: string): boolean {
  const normalize = (url: string): string => {
    try {
      const parsed = new URL(url);
      return `${parsed.protocol}//${parsed.host.toLowerCase()}${parsed.pathname.replace(/\/+$/, '')}${parsed.search}`;
    } catch {
      return url.trim();
    }
  };
  return normalize(a) === normalize(b);
}

export function webhookHealth(assistant: AssistantWebhookFields, backendUrl: string): WebhookHealth {
  const url = assistant.server?.url;
  if (!url) return 'missing-url';
  if (!sameWebhookUrl(url, webhookTarget(backendUrl))) return 'wrong-url';
  const messages = assistant.serverMessages;
  if (messages && !messages.includes('end-of-call-report')) return 'no-end-of-call-report';
  return 'ok';
}

export function hasSecretHeader(assistant: AssistantWebhookFields): boolean {
  return Object.keys(assistant.server?.headers ?? {}).length > 0;
}
