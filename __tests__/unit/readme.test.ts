/**
 * The README a team reads in five minutes, and the inputs reference it hands
 * the rest to: short, usage before the contributor commands, and the commands
 * it names are the ones the repository has; every input documented once, with
 * the default src/config/inputs.ts gives it.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { INPUTS, OUTPUTS } from '../../src/config/inputs.js';
import { repoRoot } from '../lab/paths.js';
import { splitFences } from './markdown-docs.js';

const read = (file: string) => readFileSync(path.join(repoRoot, file), 'utf8');
const readme = read('README.md');
const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };

/** The rows of the Markdown tables whose first cell is a `name`: name -> the other cells. */
function rows(md: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const { text } of splitFences(md).lines) {
    const m = /^\| `([a-z0-9-]+)` \|(.*)\|$/.exec(text);
    if (m)
      out.set(
        m[1]!,
        m[2]!.split(/(?<!\\)\|/).map((c) => c.trim()),
      );
  }
  return out;
}
const shownDefault = (value: string) => (value === '' ? '_(empty)_' : `\`${value}\``);
/** The text of the `## heading` section of a document, up to the next `## `. */
const section = (md: string, heading: string) => md.split('\n## ').find((s) => s.startsWith(`${heading}\n`)) ?? '';

describe('README.md', () => {
  test('at most 400 lines', () => {
    expect(readme.split('\n').length).toBeLessThanOrEqual(400);
  });

  test('its first shell block is the two commands: the demo with nothing to configure, then the tests; only YAML usage before it', () => {
    const { blocks } = splitFences(readme);
    const first = blocks.findIndex((b) => /^(sh|bash|shell|console)$/.test(b.info));
    expect(first).toBeGreaterThan(0);
    expect(blocks.slice(0, first).map((b) => b.info)).toEqual(blocks.slice(0, first).map(() => 'yaml'));
    const commands = blocks[first]!.lines.map((l) => l.replace(/\s+#.*$/, '').trim()).filter((l) => l !== '');
    expect(commands).toEqual(['bash .ci/setup && npm run demo', 'npm test']);
    // They are the repository's: the set-up script, and the npm scripts it names.
    expect(existsSync(path.join(repoRoot, '.ci', 'setup'))).toBe(true);
    expect(pkg.scripts.demo).toMatch(/scripts\/demo\.js$/);
    expect(pkg.scripts.test).toMatch(/\bjest\b/);
  });

  test('its usage snippets are valid YAML', () => {
    for (const block of splitFences(readme).blocks.filter((b) => b.info === 'yaml'))
      expect(() => parseYaml(block.lines.join('\n'))).not.toThrow();
  });

  test('the inputs it shows exist, with their defaults; every output is listed', () => {
    const inputs = rows(section(readme, 'The inputs most teams touch'));
    expect(inputs.size).toBeGreaterThanOrEqual(5);
    expect(inputs.size).toBeLessThanOrEqual(6);
    for (const [name, [shown]] of inputs) {
      expect([name, name in INPUTS]).toEqual([name, true]);
      expect([name, shown]).toEqual([name, shownDefault(INPUTS[name as keyof typeof INPUTS].default)]);
    }
    const outputs = rows(section(readme, 'Outputs'));
    expect([...outputs.keys()]).toEqual(Object.keys(OUTPUTS));
    for (const [name, meaning] of Object.entries(OUTPUTS)) expect([name, outputs.get(name)]).toEqual([name, [meaning]]);
  });
});

describe('docs/inputs.md', () => {
  const doc = read(path.join('docs', 'inputs.md'));
  const documented = rows(doc);

  test('every input of src/config/inputs.ts, once, with its default and its description', () => {
    for (const [name, spec] of Object.entries(INPUTS)) {
      expect([name, doc.split(`\n| \`${name}\` |`).length - 1]).toEqual([name, 1]);
      const [shown, meaning] = documented.get(name) ?? [];
      expect([name, shown]).toEqual([name, shownDefault(spec.default)]);
      expect([name, meaning?.replace(/ \*\*GitLab:\*\* .*$/, '')]).toEqual([name, spec.description.replace(/\|/g, '\\|')]);
    }
  });

  test('grouped by concern: several sections, none a flat table of everything', () => {
    const sections = doc.split('\n## ').slice(1);
    expect(sections.length).toBeGreaterThanOrEqual(6);
    for (const s of sections) expect(rows(s).size).toBeLessThanOrEqual(10);
  });
});
