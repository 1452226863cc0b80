import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyCuts, copyJson, findCopies, restoreCopies } from '../../../src/main/core/calls/vapi-copies';

type Message = { role: string; message: string };

/** A call as Vapi writes it: the messages, then its two copies of them. */
function vapiCall(messages: Message[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'c1',
    artifact: {
      messages,
      messagesOpenAIFormatted: messages.map((m) => ({
        role: m.role === 'bot' ? 'assistant' : m.role,
        content: m.message,
      })),
      transcript: messages
        .filter((m) => m.role !== 'system')
        .map((m) => `${m.role === 'bot' ? 'AI' : 'User'}: ${m.message}`)
        .join('\n'),
    },
    ...extra,
  };
}

const roundTrip = (call: unknown, text = JSON.stringify(call)) => {
  const bytes = Buffer.from(text);
  const found = findCopies(JSON.parse(text), bytes);
  if (found === null) return { cut: null, back: text };
  const out = Buffer.alloc(bytes.length);
  const cut = { copies: found.copies, bytes: out.subarray(0, applyCuts(bytes, found, out)) };
  return { cut, back: restoreCopies(cut.bytes.toString('utf8'), cut.copies) };
};

describe("Vapi's copies of the conversation", () => {
  it('cuts both copies, much shorter, and writes them back byte for byte', () => {
    const call = vapiCall([
      { role: 'system', message: 'Tu es Ava.' },
      { role: 'bot', message: 'Cabinet des Tilleuls, « bonjour » !' },
      { role: 'user', message: 'Un rendez-vous pour Núñez, s’il vous plaît.\n' },
    ]);
    const text = JSON.stringify(call);
    const { cut, back } = roundTrip(call, text);
    expect(cut?.copies).toEqual(['o', 't']);
    const stored = cut?.bytes.toString('utf8') ?? '';
    expect(stored).toContain('"messagesOpenAIFormatted":0,"transcript":0');
    expect(stored.length).toBeLessThan(text.length - 150);
    expect(back).toBe(text);
    expect(copyJson('t', [{ role: 'bot', message: 'x' }])).toBe('"AI: x"');
  });

  it('keeps a copy that is not exactly what Vapi writes, and anything that would be ambiguous', () => {
    const messages = [
      { role: 'bot', message: 'Bonjour.' },
      { role: 'user', message: 'Salut.' },
    ];
    const edited = vapiCall(messages);
    (edited.artifact as Record<string, unknown>).transcript = 'AI: Bonjour.\nUser: Salut !';
    expect(roundTrip(edited).cut?.copies).toEqual(['o']);
    // A tool call in the messages: neither copy is a plain function of them.
    const tools = vapiCall([...messages, { role: 'tool_calls', message: '' }]);
    expect(roundTrip(tools).cut).toBeNull();
    // Only the first occurrence of a key is looked at: a placeholder-like value after it changes nothing.
    const placeholder = vapiCall(messages, { metadata: { transcript: 0 } });
    expect(roundTrip(placeholder).cut?.copies).toEqual(['o', 't']);
    // The key first seen elsewhere (a legacy top-level transcript before the artifact, not the same text): kept.
    const legacy = { transcript: 'AI: Bonjour.', ...vapiCall(messages) };
    const kept = roundTrip(legacy);
    expect(kept.cut?.copies).toEqual(['o']);
    expect(kept.back).toBe(JSON.stringify(legacy));
    // Escaped differently from JSON.stringify (\u00e9): not found, kept.
    const text = JSON.stringify(vapiCall([{ role: 'user', message: 'é' }])).replace(/é/g, '\\u00e9');
    const other = roundTrip(JSON.parse(text), text);
    expect(other.cut).toBeNull();
    expect(other.back).toBe(text);
  });

  it('any call comes back as it was (property)', () => {
    const message = fc.record({
      role: fc.constantFrom('system', 'bot', 'user', 'tool_calls'),
      message: fc.string({ unit: 'grapheme', maxLength: 40 }),
    });
    fc.assert(
      fc.property(
        fc.array(message, { maxLength: 8 }),
        fc.jsonValue(),
        fc.constantFrom('keep', 'drop-o', 'drop-t', 'edit-t', 'swap'),
        (messages, other, change) => {
          const call = vapiCall(messages, { other });
          const artifact = call.artifact as Record<string, unknown>;
          if (change === 'drop-o') delete artifact.messagesOpenAIFormatted;
          if (change === 'drop-t') delete artifact.transcript;
          if (change === 'edit-t') artifact.transcript = `${String(artifact.transcript)} `;
          if (change === 'swap') call.artifact = { transcript: artifact.transcript, messages: artifact.messages };
          const { cut, back } = roundTrip(call);
          expect(back).toBe(JSON.stringify(call));
          if (change === 'keep' && messages.every((m) => m.role !== 'tool_calls')) {
            expect(cut?.copies).toEqual(['o', 't']);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
