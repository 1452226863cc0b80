/**
 * The targets, as the benchmarks print them: each figure is printed next to its target (`check` returns the
 * text to append), and `report()` ends the output with one `PASS` or `FAIL` line per target. Benchmarks print; they
 * never fail a build on a figure (a loaded machine proves nothing), so the exit code stays 0 either way.
 */
export type Comparison = '>=' | '<=' | '<';

const SYMBOL: Record<Comparison, string> = { '>=': '≥', '<=': '≤', '<': '<' };

interface Verdict {
  name: string;
  figure: string;
  target: string;
  pass: boolean;
}

export class Targets {
  private readonly verdicts: Verdict[] = [];

  /**
   * Records `value` against `limit` and returns `(target ≥ 3,000: PASS)`-style text for the figure's line.
   * `unit` is appended to both numbers (`' calls/s'`, `' MB'`, `'×'`).
   */
  check(name: string, value: number, comparison: Comparison, limit: number, unit = '', digits = 2): string {
    const pass = comparison === '>=' ? value >= limit : comparison === '<=' ? value <= limit : value < limit;
    const number = (n: number) => (Number.isInteger(n) ? n.toLocaleString('en-US') : n.toFixed(digits));
    const target = `${SYMBOL[comparison]} ${number(limit)}${unit}`;
    this.verdicts.push({ name, figure: `${number(value)}${unit}`, target, pass });
    return `(target ${target}: ${pass ? 'PASS' : 'FAIL'})`;
  }

  /** One line per target, then nothing else. */
  report(): void {
    if (this.verdicts.length === 0) return;
    console.log('targets:');
    for (const v of this.verdicts) {
      console.log(`  ${v.pass ? 'PASS' : 'FAIL'}  ${v.name}: ${v.figure} (target ${v.target})`);
    }
  }
}
