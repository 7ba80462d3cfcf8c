import { buildChain, formatGoproxy, localFirst, parseGoproxy, terminalOf, warmingChain } from '../../src/goproxy/chain.js';
import { escapeModulePath, isPseudoVersion } from '../../src/goproxy/module-path.js';
import { parseNetrc } from '../../src/goproxy/netrc.js';
import { credentialFor, netrcCredentials } from '../../src/goproxy/goauth.js';
import { matchesPrefixPatterns } from '../../src/goproxy/private.js';

describe('GOPROXY follows the go command grammar', () => {
  test('"," falls through on 404/410 only, "|" on any error; direct ends the list', () => {
    expect(parseGoproxy('https://a.example|goproxy.io,direct,https://ignored.example')).toEqual([
      { kind: 'proxy', url: 'https://a.example', fallBackOnError: true },
      { kind: 'proxy', url: 'https://goproxy.io', fallBackOnError: false },
      { kind: 'direct' },
    ]);
  });

  test('off ends the list and is kept as the terminal', () => {
    const chain = parseGoproxy('https://corp.example/go,off');
    expect(terminalOf(chain)).toBe('off');
    expect(formatGoproxy(chain)).toBe('https://corp.example/go,off');
  });

  test('an exported chain joins with the separator the fallback policy asks for', () => {
    expect(formatGoproxy(buildChain({ proxies: ['https://a', 'https://b'], fallback: 'any-error', terminal: 'direct' }))).toBe(
      'https://a|https://b|direct',
    );
    expect(formatGoproxy(buildChain({ proxies: ['https://a', 'https://b'], fallback: 'not-found', terminal: 'none' }))).toBe(
      'https://a,https://b',
    );
  });

  test('round-trips what it parses', () => {
    for (const v of ['https://proxy.golang.org,direct', 'https://a|https://b,off', 'direct', 'off'])
      expect(formatGoproxy(parseGoproxy(v))).toBe(v);
  });
});

describe('module paths', () => {
  test('upper-case letters are case-encoded with "!"', () => {
    expect(escapeModulePath('github.com/Azure/Go-Autorest')).toBe('github.com/!azure/!go-!autorest');
  });
  test('pseudo-versions are recognised (they never appear in @v/list)', () => {
    expect(isPseudoVersion('v0.0.0-20231010120000-abcdef123456')).toBe(true);
    expect(isPseudoVersion('v1.2.4-0.20231010120000-abcdef123456')).toBe(true);
    expect(isPseudoVersion('v1.2.3')).toBe(false);
    expect(isPseudoVersion('v1.2.3-rc.1')).toBe(false);
  });
});

describe('GOPRIVATE / GONOPROXY patterns match leading path elements', () => {
  test.each([
    ['corp.example', 'corp.example/team/lib', true],
    ['corp.example', 'corp.example.evil/x', false],
    ['*.corp.example', 'git.corp.example/x', true],
    ['github.com/acme/*', 'github.com/acme/secret/v2', true],
    ['github.com/acme/*', 'github.com/other/x', false],
    // As go reads them (checked against the real go in __tests__/private-patterns.test.ts): one trailing "/" dropped, spaces kept.
    ['github.com/acme/', 'github.com/acme/x', true],
    ['a.example,github.com/acme', 'github.com/acme/x', true],
    ['a.example, github.com/acme', 'github.com/acme/x', false],
    ['', 'github.com/acme/x', false],
  ])('%s matches %s: %s', (patterns, path, expected) => expect(matchesPrefixPatterns(patterns, path)).toBe(expected));
});

describe('netrc', () => {
  test('machine, login, password; the first matching machine wins, as in go; default is never used', () => {
    const entries = parseNetrc(
      'machine a.example login u1 password p1\nmachine a.example\n login u2\n password p2\ndefault login any password leak',
    );
    const creds = netrcCredentials(entries);
    const basic = (s: string) => ({ Authorization: `Basic ${Buffer.from(s).toString('base64')}` });
    expect(credentialFor(creds, new URL('https://a.example/m/@v/list'))).toEqual(basic('u1:p1'));
    expect(credentialFor(creds, new URL('https://other.example/m/@v/list'))).toBeUndefined();
  });
});

describe('GOPROXY strings come from formatGoproxy only', () => {
  test('the warming chain falls through on any error, as the ladder reads it', () => {
    expect(formatGoproxy(warmingChain(['https://a.example', 'https://b.example']))).toBe('https://a.example|https://b.example');
    expect(formatGoproxy(warmingChain([]))).toBe('');
  });
  test('the local proxy leads and falls through to the chain the user asked for', () => {
    const chain = buildChain({ proxies: ['https://a.example', 'https://b.example'], fallback: 'not-found', terminal: 'direct' });
    expect(formatGoproxy(localFirst('http://127.0.0.1:1234/t', chain))).toBe(
      'http://127.0.0.1:1234/t|https://a.example,https://b.example,direct',
    );
  });
});
