/**
 * Search text → FTS5 query, and FTS5 snippets → `SnippetPart[]`.
 *
 * - `toFtsQuery(text)`: the user's words, each quoted as an FTS5 string (so `"`, `AND(`, `*`, `NEAR`, `-` are just
 *   text, never syntax), all required, the last one matched as a prefix (search as you type). A word the tokenizer
 *   splits (`rendez-vous`, `10h30`, `l'agenda`) stays one quoted phrase, so it matches those words in that order.
 *   Null when nothing in the text is searchable (only punctuation or emoji): the list is then not filtered by text.
 * - `snippetParts(snippet)`: SQLite marks hits with control characters (`HIT_START`/`HIT_END`, never in stored
 *   text: see calls/observe.ts); they become `{text, hit}` pieces, so no markup crosses to the renderer.
 */
import type { SnippetPart } from '../../../shared/domain';
import { HIT_END, HIT_START } from '../calls/observe';

export { HIT_END, HIT_START };

/** Characters the `unicode61` tokenizer keeps in tokens (letters, digits, private use), plus combining marks. */
const TOKEN_CHAR = /[\p{L}\p{N}\p{Co}\p{M}]/u;
const MAX_TERMS = 16;

export function toFtsQuery(text: string): string | null {
  const terms = text
    .normalize('NFC')
    // Control characters are never text worth finding, and a NUL would end the query early inside SQLite.
    .replace(/\p{Cc}/gu, ' ')
    .split(/\s+/u)
    .filter((term) => TOKEN_CHAR.test(term))
    .slice(0, MAX_TERMS);
  if (terms.length === 0) return null;
  return terms
    .map((term, i) => {
      // Drop what the tokenizer would drop at the ends, so the prefix star applies to a real token.
      const core = term.replace(/^[^\p{L}\p{N}\p{Co}\p{M}]+|[^\p{L}\p{N}\p{Co}\p{M}]+$/gu, '');
      const quoted = `"${core.replace(/"/g, '""')}"`;
      return i === terms.length - 1 ? `${quoted}*` : quoted;
    })
    .join(' ');
}

export function snippetParts(snippet: string): SnippetPart[] {
  const parts: SnippetPart[] = [];
  let hit = false;
  let current = '';
  const push = () => {
    if (current === '') return;
    const last = parts[parts.length - 1];
    if (last && last.hit === hit) last.text += current;
    else parts.push({ text: current, hit });
    current = '';
  };
  for (const char of snippet) {
    if (char === HIT_START || char === HIT_END) {
      push();
      hit = char === HIT_START;
    } else {
      current += char;
    }
  }
  push();
  return parts;
}
