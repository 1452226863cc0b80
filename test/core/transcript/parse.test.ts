import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Turn } from '../../../src/shared/domain';
import {
  formatTranscript,
  parseTranscript,
  parseTranscriptText,
  parseVapiMessages,
} from '../../../src/main/core/transcript/parse';

/** What a turn covers of its source text: the label and its colon, then the message. */
function covered(turns: readonly Turn[]): string {
  return turns.map((t) => (t.label === '' ? t.text : `${t.label}:${t.text}`)).join('');
}
const visible = (text: string) => text.replace(/\s+/gu, '');

describe('parseTranscriptText', () => {
  it('reads the backend webhook blocks, with multi-line messages and other capitalized roles', () => {
    const text =
      'AVA: Bonjour, cabinet Lefèvre.\n\nCaller: Je voudrais un rendez-vous.\nPlutôt mardi.\n\n' +
      'System: Call forwarded\n\nAVA: Très bien, à 10:30 ?';
    expect(parseTranscriptText(text)).toEqual([
      { role: 'assistant', label: 'AVA', text: 'Bonjour, cabinet Lefèvre.', offsetSeconds: null },
      { role: 'user', label: 'Caller', text: 'Je voudrais un rendez-vous.\nPlutôt mardi.', offsetSeconds: null },
      { role: 'system', label: 'System', text: 'Call forwarded', offsetSeconds: null },
      { role: 'assistant', label: 'AVA', text: 'Très bien, à 10:30 ?', offsetSeconds: null },
    ]);
  });

  it("reads Vapi's AI/User lines", () => {
    expect(parseTranscriptText('AI: Hi there!\nUser: Hey, book me for 2:15\nAI: Done.\n')).toEqual([
      { role: 'assistant', label: 'AI', text: 'Hi there!', offsetSeconds: null },
      { role: 'user', label: 'User', text: 'Hey, book me for 2:15', offsetSeconds: null },
      { role: 'assistant', label: 'AI', text: 'Done.', offsetSeconds: null },
    ]);
  });

  it('keeps empty lines inside a message, and capitalized "Word:" inside a block', () => {
    const turns = parseTranscriptText('AVA: first paragraph\n\nsecond paragraph\nNote: still mine\n\nCaller: ok');
    expect(turns.map((t) => [t.label, t.text])).toEqual([
      ['AVA', 'first paragraph\n\nsecond paragraph\nNote: still mine'],
      ['Caller', 'ok'],
    ]);
  });

  it('handles CRLF, leading text before the first label, emoji and accents', () => {
    const turns = parseTranscriptText('Transcript follows\r\n\r\nAVA: Bonjour 👋 Hélène\r\nCaller: Merci ça va\r\n');
    expect(turns).toEqual([
      { role: 'other', label: '', text: 'Transcript follows', offsetSeconds: null },
      { role: 'assistant', label: 'AVA', text: 'Bonjour 👋 Hélène', offsetSeconds: null },
      { role: 'user', label: 'Caller', text: 'Merci ça va', offsetSeconds: null },
    ]);
  });

  it('keeps anything else as one plain-text turn, and knows when there is no transcript', () => {
    expect(parseTranscriptText('  just some notes: 10:30, call back  ')).toEqual([
      { role: 'other', label: '', text: 'just some notes: 10:30, call back', offsetSeconds: null },
    ]);
    expect(parseTranscriptText('No transcript available')).toEqual([]);
    expect(parseTranscriptText(' no transcript available. \n')).toEqual([]);
    expect(parseTranscriptText('   \n\n ')).toEqual([]);
    expect(parseTranscript(null)).toEqual([]);
  });

  it('does not take URLs, times or "Dr. X:" for labels', () => {
    const turns = parseTranscriptText('AVA: see\nhttps://example.com/a:b\n10:30 works\nDr. Martin: hello');
    expect(turns).toHaveLength(1);
    expect(turns[0]?.text).toBe('see\nhttps://example.com/a:b\n10:30 works\nDr. Martin: hello');
  });

  it('keeps a label with no message', () => {
    expect(parseTranscriptText('AVA:\n\nCaller: allo ?')).toEqual([
      { role: 'assistant', label: 'AVA', text: '', offsetSeconds: null },
      { role: 'user', label: 'Caller', text: 'allo ?', offsetSeconds: null },
    ]);
  });
});

describe('parseVapiMessages', () => {
  it('maps roles, texts and offsets, with content instead of message and tool traffic', () => {
    const turns = parseVapiMessages([
      { role: 'system', message: 'You are AVA.', time: 1, secondsFromStart: 0 },
      { role: 'bot', message: 'Bonjour !', time: 2, endTime: 3, secondsFromStart: 0.52, duration: 1000 },
      { role: 'user', content: 'Salut', secondsFromStart: 2.1 },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Hello ' },
          { type: 'text', text: 'you' },
        ],
      },
      {
        role: 'tool_calls',
        message: '',
        toolCalls: [{ id: 't1', type: 'function', function: { name: 'book', arguments: '{"day":"mardi"}' } }],
        secondsFromStart: 5,
      },
      { role: 'tool_call_result', toolCallId: 't1', name: 'book', result: 'ok', secondsFromStart: 6 },
      { role: 'mystery', message: 'kept anyway' },
      'a bare string',
      null,
    ]);
    expect(turns).toEqual([
      { role: 'system', label: 'system', text: 'You are AVA.', offsetSeconds: 0 },
      { role: 'assistant', label: 'bot', text: 'Bonjour !', offsetSeconds: 0.52 },
      { role: 'user', label: 'user', text: 'Salut', offsetSeconds: 2.1 },
      { role: 'assistant', label: 'assistant', text: 'Hello you', offsetSeconds: null },
      { role: 'tool', label: 'tool_calls', text: 'book({"day":"mardi"})', offsetSeconds: 5 },
      { role: 'tool', label: 'tool_call_result', text: 'ok', offsetSeconds: 6 },
      { role: 'other', label: 'mystery', text: 'kept anyway', offsetSeconds: null },
      { role: 'other', label: '', text: 'a bare string', offsetSeconds: null },
    ]);
  });

  it('never loses a message (property)', () => {
    const message = fc.record({
      role: fc.constantFrom('system', 'user', 'bot', 'assistant', 'tool', 'weird'),
      message: fc.string({ unit: 'grapheme' }),
      secondsFromStart: fc.double({ min: 0, max: 10_000, noNaN: true }),
    });
    fc.assert(
      fc.property(fc.array(message), (messages) => {
        const turns = parseTranscript(messages);
        expect(turns.map((t) => t.text)).toEqual(messages.map((m) => m.message));
        expect(turns.map((t) => t.offsetSeconds)).toEqual(messages.map((m) => m.secondsFromStart));
      }),
    );
  });
});

describe('parsing never loses text (property)', () => {
  const piece = fc.oneof(
    fc.constantFrom(
      'AVA: ',
      'Caller: ',
      'AI: ',
      'User: ',
      'System: ',
      'Note: ',
      'AVA:',
      '\n',
      '\n\n',
      '\r\n',
      '\r',
      ':',
      ' : ',
      '10:30',
      'é',
      'Hélène',
      '😀',
      '👩‍👩‍👧',
      '\t',
      'No transcript available',
    ),
    fc.string({ unit: 'grapheme', maxLength: 12 }),
    fc.string({ unit: 'binary', maxLength: 6 }),
  );
  const transcript = fc.array(piece, { maxLength: 40 }).map((pieces) => pieces.join(''));

  it('keeps every non-whitespace character, in order', () => {
    fc.assert(
      fc.property(transcript, (text) => {
        const turns = parseTranscriptText(text);
        if (/^\s*no transcript available\.?\s*$/i.test(text)) {
          expect(turns).toEqual([]);
          return;
        }
        expect(visible(covered(turns))).toBe(visible(text));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('round trips (property)', () => {
  const word = fc.constantFrom(
    'bonjour',
    'Hélène',
    'rendez-vous',
    'à',
    '10:30',
    'note:',
    'ça',
    '😀',
    'OK',
    'Caller',
    'AVA',
    'naïve',
    'https://x.fr/a:b',
    'Zoë',
    '—',
  );
  const line = fc.array(word, { minLength: 1, maxLength: 8 }).map((w) => w.join(' '));
  const labels = fc.constantFrom('AVA', 'Caller', 'System', 'AI', 'User', 'Tool');
  const roleOf = (label: string) =>
    ({ AVA: 'assistant', AI: 'assistant', Caller: 'user', User: 'user', System: 'system', Tool: 'tool' })[label];

  it('webhook blocks, with multi-line messages and blank lines inside', () => {
    const text = fc
      .array(fc.oneof(line, fc.constant('')), { minLength: 1, maxLength: 5 })
      .map((lines) => lines.join('\n').trim());
    const turn = fc.record({ label: labels, text });
    fc.assert(
      fc.property(fc.array(turn, { minLength: 1, maxLength: 12 }), (generated) => {
        const turns = generated.map((t) => ({ ...t, role: roleOf(t.label), offsetSeconds: null }) as Turn);
        expect(parseTranscriptText(formatTranscript(turns))).toEqual(turns);
      }),
    );
  });

  it("Vapi's one-line-per-turn format", () => {
    const turn = fc.record({ label: fc.constantFrom('AI', 'User'), text: line });
    fc.assert(
      fc.property(fc.array(turn, { minLength: 1, maxLength: 20 }), (generated) => {
        const text = generated.map((t) => `${t.label}: ${t.text}`).join('\n');
        expect(parseTranscriptText(text)).toEqual(
          generated.map((t) => ({ role: roleOf(t.label), label: t.label, text: t.text, offsetSeconds: null })),
        );
      }),
    );
  });
});
