/** The Assistants page: every Vapi assistant of the org with the health of its webhook. */
import type { AssistantSummary } from '../../../shared/domain';
import { VAPI_MAX_LIMIT, type VapiClient } from '../clients/vapi';
import { hasSecretHeader, webhookHealth } from './webhook-health';

export async function listAssistants(vapi: VapiClient, backendUrl: string): Promise<AssistantSummary[]> {
  const all = [];
  let before: string | undefined;
  // Newest first, paged on createdAt like every Vapi list.
  for (;;) {
    const page = await vapi.listAssistants({ limit: VAPI_MAX_LIMIT, ...(before ? { createdAtLt: before } : {}) });
    all.push(...page);
    if (page.length < VAPI_MAX_LIMIT) break;
    before = page.reduce(
      (oldest, a) => (Date.parse(a.createdAt) < Date.parse(oldest) ? a.createdAt : oldest),
      page[0]!.createdAt,
    );
  }
  return all.map((assistant) => ({
    id: assistant.id,
    name: assistant.name ?? null,
    serverUrl: assistant.server?.url ?? null,
    webhook: webhookHealth(assistant, backendUrl),
    hasSecretHeader: hasSecretHeader(assistant),
    updatedAt: assistant.updatedAt,
  }));
}
