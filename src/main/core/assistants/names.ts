/**
 * Assistant names for calls. Calls name their assistant by id only; the names come from Vapi's assistant list and
 * are kept in the cache's sync_state, so the call log shows them offline too.
 */
import type { Cache } from '../cache/cache';

const KEY = 'vapi.assistantNames';

type Named = { assistantId: string | null; assistantName: string | null };

export class AssistantNames {
  constructor(private readonly cache: Cache | null) {}

  /** id → name, as last seen. */
  all(): Record<string, string> {
    return this.cache?.getSyncState<Record<string, string>>(KEY) ?? {};
  }

  remember(assistants: readonly { id: string; name: string | null }[]): void {
    const names = Object.fromEntries(assistants.filter((a) => a.name).map((a) => [a.id, a.name!]));
    this.cache?.setSyncState(KEY, names);
  }

  /** The call with its assistant's name filled in when the call itself did not carry one. */
  fill<T extends Named>(call: T, names: Record<string, string> = this.all()): T {
    const name = call.assistantId ? names[call.assistantId] : undefined;
    return call.assistantName || !name ? call : { ...call, assistantName: name };
  }

  fillAll<T extends Named>(calls: readonly T[]): T[] {
    const names = this.all();
    return calls.map((call) => this.fill(call, names));
  }
}
