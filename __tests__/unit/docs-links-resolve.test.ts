/**
 * Every link of the documentation resolves: README.md, gitlab/README.md and
 * every page under docs/ link to files that exist and to headings those files
 * have (anchors as GitHub makes them), and the sections the summaries link to
 * (DOCS_SECTIONS) exist, with the same anchor on GitLab. Nothing is fetched:
 * http(s) links are left alone.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { DOCS_SECTIONS } from '../../src/report/docs-links.js';
import { repoRoot } from '../lab/paths.js';
import { anchors, githubSlug, gitlabSlug, headings, links } from './markdown-docs.js';

const DOCS = [
  'README.md',
  path.join('gitlab', 'README.md'),
  ...readdirSync(path.join(repoRoot, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => path.join('docs', f)),
];

const read = (file: string) => readFileSync(path.join(repoRoot, file), 'utf8');

/** What is wrong with one link of `from` (a path relative to the repository), or undefined when it resolves. */
function problem(from: string, target: string): string | undefined {
  if (/^(https?:|mailto:)/i.test(target)) return undefined;
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return `a ${target.split(':')[0]}: link`;
  const [file = '', anchor] = target.split('#', 2);
  const to = file === '' ? from : path.normalize(path.join(path.dirname(from), decodeURIComponent(file)));
  if (to.startsWith('..') || path.isAbsolute(to)) return 'points outside the repository';
  if (!existsSync(path.join(repoRoot, to))) return `${to} does not exist`;
  if (anchor === undefined) return undefined;
  if (!to.endsWith('.md') || statSync(path.join(repoRoot, to)).isDirectory()) return `an anchor into ${to}, which has no headings`;
  return anchors(read(to)).has(anchor) ? undefined : `${to} has no heading with the anchor #${anchor}`;
}

describe('the documentation links only to what exists', () => {
  test('the pages checked: the README, the GitLab README and every docs page; the README links to each docs page', () => {
    expect(DOCS).toEqual(expect.arrayContaining(['README.md', 'gitlab/README.md', 'docs/inputs.md', 'docs/security.md']));
    const fromReadme = new Set(links(read('README.md')).map((l) => l.target.split('#')[0]));
    for (const page of DOCS.filter((f) => f.startsWith('docs'))) expect([page, fromReadme.has(page)]).toEqual([page, true]);
  });

  test.each(DOCS)('%s: every relative link names an existing file, and every #anchor a heading of it', (file) => {
    const found = links(read(file));
    const broken = found.map((l) => ({ ...l, problem: problem(file, l.target) })).filter((l) => l.problem);
    expect(broken).toEqual([]);
  });
});

describe('the sections the summaries and errors link to', () => {
  const sections = Object.entries(DOCS_SECTIONS).map(([topic, { page, anchor }]) => [topic, page, anchor]);
  test.each(sections)('%s: %s#%s is a heading of that page, with the same anchor on GitHub and GitLab', (_topic, page, anchor) => {
    expect(existsSync(path.join(repoRoot, page))).toBe(true);
    const heading = headings(read(page)).find((h) => githubSlug(h) === anchor);
    expect([anchor, heading !== undefined]).toEqual([anchor, true]);
    expect(gitlabSlug(heading!)).toBe(anchor);
  });
});

describe("the anchors are GitHub's", () => {
  test.each([
    ['The local proxy (serve)', 'the-local-proxy-serve'],
    ['The emergency switch: `GO_PROXY_GUARD_OVERRIDE`', 'the-emergency-switch-go_proxy_guard_override'],
    ['Prefetching from go.sum', 'prefetching-from-gosum'],
    ['Try it / develop', 'try-it--develop'],
    ['Gating: make it a required check', 'gating-make-it-a-required-check'],
    ['[Score](https://example.com/x) and TLS', 'score-and-tls'],
  ])('%s -> #%s', (heading, slug) => {
    expect(githubSlug(heading)).toBe(slug);
  });

  test('a repeated heading gets -1, and a heading in a code block none', () => {
    expect([...anchors('# A\n\n## Notes\n\n```md\n## Hidden\n```\n\n> ## Notes\n')]).toEqual(['a', 'notes', 'notes-1']);
  });

  test('a broken link is found: a missing file, a missing heading, an anchor of the page itself', () => {
    expect(problem('README.md', 'docs/nothing-here.md')).toBe('docs/nothing-here.md does not exist');
    expect(problem('README.md', 'docs/inputs.md#no-such-heading')).toBe('docs/inputs.md has no heading with the anchor #no-such-heading');
    expect(problem('docs/inputs.md', '#no-such-heading')).toBe('docs/inputs.md has no heading with the anchor #no-such-heading');
    expect(problem('docs/inputs.md', '../../etc/passwd')).toBe('points outside the repository');
    expect(problem('docs/inputs.md', 'https://example.com/#whatever')).toBeUndefined();
    expect(links('See [a](x.md#y), `[not](a link)`, ![img](p.png "t") and\n```\n[in](code.md)\n```\n')).toEqual([
      { line: 1, target: 'x.md#y' },
      { line: 1, target: 'p.png' },
    ]);
  });
});
