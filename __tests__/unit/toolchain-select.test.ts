/**
 * Which toolchain the go command will run: cmd/go/internal/toolchain.Select
 * (go 1.21+) and internal/gover, as pure logic. The cases mirror select.go's
 * branches and gover_test.go's tables.
 */
import { compareGo, goVersionOfToolchain, isLangGo, isValidGo } from '../../src/go/gover.js';
import {
  directiveLine,
  notAToolchain,
  readToolchainFile,
  selectToolchain,
  toolchainModule,
  type ToolchainFile,
} from '../../src/project/toolchain.js';

describe('Go versions compare as the go command compares them (gover_test.go)', () => {
  test.each([
    ['', '', 0],
    ['x', 'x', 0],
    ['', 'x', 0],
    ['1', '1.1', -1],
    ['1.5', '1.6', -1],
    ['1.5', '1.10', -1],
    ['1.6', '1.6.1', -1],
    ['1.19', '1.19.0', 0],
    ['1.19rc1', '1.19', -1],
    ['1.20', '1.20.0', 0],
    ['1.21', '1.21.0', -1],
    ['1.21', '1.21rc1', -1],
    ['1.21rc1', '1.21.0', -1],
    ['1.19alpha3', '1.19beta2', -1],
    ['1.19beta2', '1.19rc1', -1],
    ['1.1', '1.99999999999999998', -1],
    ['1.99999999999999998', '1.99999999999999999', -1],
    ['1.27.0', '1.26.8', 1],
  ])('compare(%s, %s) = %d', (x, y, want) => {
    expect(compareGo(x, y)).toBe(want);
    expect(compareGo(y, x)).toBe(-want || 0);
  });

  test.each([
    ['1.22', true],
    ['1.21', true],
    ['1.20', false],
    ['1.2.3', false],
    ['1.2rc3', false],
    ['1', false],
  ])('isLang(%s) = %s', (x, want) => expect(isLangGo(x)).toBe(want));

  test.each([
    ['1.600+auto', false],
    ['1.21rc2', true],
    ['1.21.3rc1', false],
    ['01.2', false],
    ['1.999testmod', true],
  ])('isValid(%s) = %s', (x, want) => expect(isValidGo(x)).toBe(want));

  test.each([
    ['go1.2.3', '1.2.3'],
    ['go1.2.3-bigcorp', '1.2.3'],
    ['go1.21rc1', '1.21rc1'],
    ['invalid', ''],
    ['go1.2/x', ''],
    ['1.2.3', ''],
  ])('fromToolchain(%s) = %s', (x, want) => expect(goVersionOfToolchain(x)).toBe(want));
});

describe('the go and toolchain lines are read as gover.GoModLookup reads them', () => {
  test('first line of each, comment stripped, with its line number', () => {
    const text = 'module example.com/m\n\ngo 1.27.0 // the minimum\n\ntoolchain\tgo1.27.3\ngo 1.30\n';
    expect(directiveLine(text, 'go')).toEqual({ value: '1.27.0', line: 3 });
    expect(directiveLine(text, 'toolchain')).toEqual({ value: 'go1.27.3', line: 5 });
    expect(directiveLine('gopher 1\n', 'go')).toBeUndefined();
    expect(readToolchainFile('/p/go.work', 'go 1.22\n')).toEqual({ path: '/p/go.work', go: { value: '1.22', line: 1 } });
  });
});

const file = (go?: string, toolchain?: string): ToolchainFile => ({
  path: '/p/go.mod',
  ...(go ? { go: { value: go, line: 3 } } : {}),
  ...(toolchain ? { toolchain: { value: toolchain, line: 5 } } : {}),
});
const select = (gotoolchain: string, f?: ToolchainFile, local = 'go1.26.8') => selectToolchain({ gotoolchain, local, file: f });

describe('which toolchain the go command switches to (toolchain.Select)', () => {
  test('local never switches, but says when the project asks for more', () => {
    const c = select('local', file('1.27.0'));
    expect(c).toMatchObject({ kind: 'local' });
    expect(c.kind === 'local' && c.note).toMatch(/go\.mod:3 says go 1\.27\.0, but GOTOOLCHAIN=local keeps go1\.26\.8/);
    expect(select('local', file('1.22')).kind === 'local' && (select('local', file('1.22')) as { note?: string }).note).toBeFalsy();
  });

  test('auto: a newer go line switches to its first release (a language version means x.y.0)', () => {
    expect(select('auto', file('1.27.0'))).toEqual({
      kind: 'switch',
      name: 'go1.27.0',
      by: { directive: 'go', file: '/p/go.mod', line: 3, text: 'go 1.27.0' },
      pathOnly: false,
    });
    expect(select('auto', file('1.27'))).toMatchObject({ kind: 'switch', name: 'go1.27.0' });
    expect(select('auto', file('1.27rc2'))).toMatchObject({ kind: 'switch', name: 'go1.27rc2' });
    expect(select('auto', file('1.26.1'))).toMatchObject({ kind: 'local' });
  });

  test('auto: a newer toolchain line wins, unless the go line is newer still', () => {
    expect(select('auto', file('1.21', 'go1.27.3'))).toMatchObject({
      kind: 'switch',
      name: 'go1.27.3',
      by: { directive: 'toolchain', line: 5, text: 'toolchain go1.27.3' },
    });
    expect(select('auto', file('1.28.1', 'go1.27.3'))).toMatchObject({ kind: 'switch', name: 'go1.28.1', by: { directive: 'go' } });
    expect(select('auto', file('1.21', 'go1.25.0'))).toMatchObject({ kind: 'local' });
    expect(select('auto', file(undefined, 'go1.27.3-bigcorp'))).toMatchObject({ kind: 'switch', name: 'go1.27.3-bigcorp' });
  });

  test('toolchain default keeps the configured minimum whatever the go line says', () => {
    expect(select('auto', file('1.30.0', 'default'))).toMatchObject({ kind: 'local' });
    expect(select('go1.27.3+auto', file('1.30.0', 'default'))).toMatchObject({
      kind: 'switch',
      name: 'go1.27.3',
      by: { directive: 'GOTOOLCHAIN' },
    });
  });

  test('<name>+auto raises the minimum; the file can raise it further', () => {
    expect(select('go1.27.3+auto', file('1.22'))).toMatchObject({
      kind: 'switch',
      name: 'go1.27.3',
      by: { text: 'GOTOOLCHAIN=go1.27.3+auto' },
    });
    expect(select('go1.27.3+auto', file('1.28.0'))).toMatchObject({ kind: 'switch', name: 'go1.28.0' });
    expect(select('go1.25.0+auto', file('1.22'))).toMatchObject({ kind: 'switch', name: 'go1.25.0' });
    expect(select('local+auto', file('1.27.0'))).toMatchObject({ kind: 'switch', name: 'go1.27.0' });
  });

  test('a forced name switches whatever the file says; the local name itself is no switch', () => {
    expect(select('go1.27.3', file('1.30.0'))).toMatchObject({ kind: 'switch', name: 'go1.27.3', pathOnly: false });
    expect(select('go1.26.8', file('1.22'))).toMatchObject({ kind: 'local' });
  });

  test('path and +path look on PATH only', () => {
    expect(select('path', file('1.27.0'))).toMatchObject({ kind: 'switch', name: 'go1.27.0', pathOnly: true });
    expect(select('go1.27.3+path', file('1.22'))).toMatchObject({ kind: 'switch', name: 'go1.27.3', pathOnly: true });
  });

  test('no file, or no newer line: nothing to switch', () => {
    expect(select('auto', undefined)).toMatchObject({ kind: 'local' });
    expect(select('auto', file())).toMatchObject({ kind: 'local' });
    expect(select('', file('1.30.0'))).toMatchObject({ kind: 'local' });
  });

  test('what the go command refuses, in its own words', () => {
    expect(select('bash')).toEqual({ kind: 'invalid', reason: 'invalid GOTOOLCHAIN "bash"' });
    expect(select('go1.27.3+newest')).toMatchObject({
      kind: 'invalid',
      reason: expect.stringMatching(/only version suffixes are \+auto and \+path/),
    });
    expect(select('auto', file('1.22', 'stable'))).toEqual({ kind: 'invalid', reason: 'invalid toolchain "stable" in /p/go.mod' });
  });

  test('a language version as a toolchain is still asked for (the go command learns from the 404), then named for what it is', () => {
    expect(select('auto', file('1.22', 'go1.28'))).toMatchObject({ kind: 'switch', name: 'go1.28' });
    expect(notAToolchain('go1.28')).toBe('go1.28 is a language version but not a toolchain version (go1.28.x)');
    expect(notAToolchain('go1.20')).toBeUndefined();
    expect(notAToolchain('go1.28.0')).toBeUndefined();
  });

  test('a development go is not predicted', () => {
    expect(select('auto', file('1.30.0'), 'devel go1.27-abcdef')).toMatchObject({ kind: 'local' });
  });
});

test('the toolchain module is named for the host, as the go command names it', () => {
  expect(toolchainModule('go1.27.3', 'linux', 'amd64')).toEqual({ path: 'golang.org/toolchain', version: 'v0.0.1-go1.27.3.linux-amd64' });
});
