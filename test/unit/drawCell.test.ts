/** cell() (src/bot/drawViews.ts): a table cell cut to at most `max` code points, “…” marking the cut. */
import { cell } from '../../src/bot/drawViews';

/** The definition: count code points, keep max − 1 of them and add “…” when there are more than max. */
function reference(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

describe('cell', () => {
  it('agrees with the definition on short strings of BMP and astral characters, around every cut', () => {
    const alphabet = ['a', '超', '𠀀', '😀', '（'];
    let seed = 7;
    const next = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
    for (let i = 0; i < 5000; i++) {
      const text = Array.from({ length: next(14) }, () => alphabet[next(alphabet.length)]).join('');
      const max = 1 + next(12);
      expect([text, max, cell(text, max)]).toEqual([text, max, reference(text, max)]);
    }
  });

  it('never splits a surrogate pair', () => {
    expect(cell('😀😀😀', 2)).toBe('😀…');
    expect(cell('a😀b', 3)).toBe('a😀b');
    expect(cell('a😀bc', 3)).toBe('a😀…');
  });

  it('cuts a 10 MB name to its first characters', () => {
    const huge = `${'超'.repeat(3_500_000)}有限公司`;
    expect(cell(huge, 60)).toBe(`${'超'.repeat(59)}…`);
    expect(cell(`${'𠀀'.repeat(2_000_000)}`, 3)).toBe('𠀀𠀀…');
  });
});
