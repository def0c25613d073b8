/**
 * The code explains itself by citing the repository's own documents (`docs/<file>.md §N` or `docs/<file>.md "Heading"`).
 * A citation that points nowhere — a file that does not exist, a section number or heading that is not there — is a
 * broken promise to the next reader, so every one of them is checked here.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** Every tracked text file that may cite the docs (the docs themselves cite one another too). */
function trackedFiles(): string[] {
  const out = execFileSync('git', ['ls-files', '-z', '--', 'src', 'scripts', 'test', 'cards', 'docs', 'README.md', 'Dockerfile', '.ci'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return out
    .split('\0')
    .filter((f) => f !== '' && /\.(ts|js|mjs|cjs|md|hbs|json|py|sh|yml|yaml)$|Dockerfile$|\.ci\/run$/.test(f))
    .filter((f) => f !== 'test/unit/doc-citations.test.ts') // its own comments show the forms, not citations
    .filter((f) => existsSync(join(ROOT, f)));
}

interface Citation {
  at: string;
  doc: string;
  section?: string;
  heading?: string;
}

// docs/x.md §3.2  |  docs/x.md "Heading"  |  docs/x.md “Heading”  |  docs/x.md (alone)
const CITATION = /docs\/([A-Za-z0-9_-]+(?:\/[A-Za-z0-9_-]+)*\.md)(?:\s*§\s*([0-9]+(?:\.[0-9]+)*)|\s*"([^"\n]{1,80})"|\s*“([^”\n]{1,80})”)?/g;

function citations(): Citation[] {
  const found: Citation[] = [];
  for (const file of trackedFiles()) {
    const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
    lines.forEach((line, i) => {
      for (const m of line.matchAll(CITATION)) {
        found.push({ at: `${file}:${i + 1}`, doc: m[1], section: m[2], heading: m[3] ?? m[4] });
      }
    });
  }
  return found;
}

/** Headings, and the bold lead-ins of list items (`- **Several instances.** …`), which the docs also use as sections. */
function headingsOf(doc: string): string[] {
  const lines = readFileSync(join(ROOT, 'docs', doc), 'utf8').split('\n');
  const headings = lines.filter((l) => /^#{1,6}\s/.test(l)).map((l) => l.replace(/^#{1,6}\s+/, '').trim());
  const leadIns = lines.map((l) => /^\s*[-*]\s+\*\*([^*]+?)\.?\*\*/.exec(l)?.[1]).filter((x): x is string => x !== undefined);
  return [...headings, ...leadIns];
}

/** `## 3. Commitment…`, `### 3.2 A pinned…`, `## §3 …` all carry section 3 / 3.2. */
function sectionNumbers(headings: string[]): Set<string> {
  const numbers = new Set<string>();
  for (const h of headings) {
    const m = /^§?\s*([0-9]+(?:\.[0-9]+)*)\.?(?:\s|$)/.exec(h);
    if (m) numbers.add(m[1]);
  }
  return numbers;
}

/** A quoted heading matches a heading that contains it, ignoring code quotes and case. */
function hasHeading(headings: string[], wanted: string): boolean {
  const norm = (s: string) => s.replace(/[`*]/g, '').toLowerCase().trim();
  return headings.some((h) => norm(h).includes(norm(wanted)));
}

describe('citations of docs/ in the repository', () => {
  const all = citations();

  it('finds the citations it is meant to check', () => {
    // The code cites the docs in dozens of places; finding none would mean the scan is broken, not that all is well.
    expect(all.length).toBeGreaterThan(50);
    expect(all.some((c) => c.section !== undefined)).toBe(true);
    expect(all.some((c) => c.heading !== undefined)).toBe(true);
  });

  it('every cited document exists', () => {
    const missing = all.filter((c) => !existsSync(join(ROOT, 'docs', c.doc))).map((c) => `${c.at} → docs/${c.doc}`);
    expect(missing).toEqual([]);
  });

  it('every cited section number and heading is in the cited document', () => {
    const broken: string[] = [];
    const cache = new Map<string, string[]>();
    for (const c of all) {
      if (!existsSync(join(ROOT, 'docs', c.doc))) continue;
      const headings = cache.get(c.doc) ?? headingsOf(c.doc);
      cache.set(c.doc, headings);
      if (c.section !== undefined && !sectionNumbers(headings).has(c.section)) broken.push(`${c.at} → docs/${c.doc} §${c.section}`);
      if (c.heading !== undefined && !hasHeading(headings, c.heading)) broken.push(`${c.at} → docs/${c.doc} "${c.heading}"`);
    }
    expect(broken).toEqual([]);
  });

  it('the checker itself tells a missing section and heading from a present one', () => {
    const headings = ['1. Encodings and hashes', '3.2 A pinned public source (optional)', '`GET /sandbox`', 'Set-up in chat'];
    expect(sectionNumbers(headings).has('3.2')).toBe(true);
    expect(sectionNumbers(headings).has('3')).toBe(false);
    expect(hasHeading(headings, 'GET /sandbox')).toBe(true);
    expect(hasHeading(headings, 'Database')).toBe(false);
  });
});
