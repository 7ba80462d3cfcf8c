import { overrideFingerprint, overrideNotice, parseOverride } from '../../src/config/override.js';
import { buildConfig } from '../../src/config/config.js';

describe('GO_PROXY_GUARD_OVERRIDE', () => {
  test('unset or blank: no override', () => {
    expect(parseOverride(undefined, {})).toBeUndefined();
    expect(parseOverride('  ', { GO_PROXY_GUARD_OVERRIDE: ' ' })).toBeUndefined();
  });

  test('its three forms: candidates, direct, off', () => {
    expect(parseOverride(undefined, { GO_PROXY_GUARD_OVERRIDE: 'goproxy.corp.example, https://proxy.golang.org' })).toEqual({
      mode: 'proxies',
      proxies: ['https://goproxy.corp.example', 'https://proxy.golang.org'],
      value: 'goproxy.corp.example, https://proxy.golang.org',
      source: 'variable GO_PROXY_GUARD_OVERRIDE',
    });
    expect(parseOverride(undefined, { GO_PROXY_GUARD_OVERRIDE: 'DIRECT' })).toMatchObject({
      mode: 'direct',
      source: 'variable GO_PROXY_GUARD_OVERRIDE',
    });
    expect(parseOverride(undefined, { GO_PROXY_GUARD_OVERRIDE: 'off' })).toMatchObject({ mode: 'off' });
  });

  test('the input wins over the variable and says so', () => {
    expect(parseOverride('off', { GO_PROXY_GUARD_OVERRIDE: 'direct' })).toMatchObject({ mode: 'off', source: 'input "override"' });
  });

  test('a bad value names the variable (or input) and never shows a credential', () => {
    expect(() => parseOverride(undefined, { GO_PROXY_GUARD_OVERRIDE: 'ftp://bot:s3cretpw@mirror.example' })).toThrow(
      'input "GO_PROXY_GUARD_OVERRIDE" must be proxy URLs (comma- or newline-separated), "direct" or "off", got "ftp://bot:***@mirror.example"',
    );
    expect(() => parseOverride('https://a.example,direct', {})).toThrow(/^input "override" must be proxy URLs/);
  });

  test('the config takes the override candidates instead of the proxies input; direct and off probe none', () => {
    const read = (proxies: string) => (name: string) => (name === 'proxies' ? proxies : undefined);
    expect(buildConfig(read('https://configured.example'), '/', { GO_PROXY_GUARD_OVERRIDE: 'https://other.example' }).proxies).toEqual([
      'https://other.example',
    ]);
    expect(buildConfig(read('https://configured.example'), '/', { GO_PROXY_GUARD_OVERRIDE: 'direct' }).proxies).toEqual([]);
    expect(buildConfig(read('https://configured.example'), '/', {}).proxies).toEqual(['https://configured.example']);
  });

  test('the loud line, and a fingerprint that keeps credentials out of the state', () => {
    const o = parseOverride(undefined, { GO_PROXY_GUARD_OVERRIDE: 'https://bot:pw123456@corp.example' })!;
    expect(overrideNotice(o, '2026-12-01T03:05:12.000Z', (u) => u.replace('pw123456', '***'))).toBe(
      'OVERRIDE: proxies https://bot:***@corp.example; override in force since 2026-12-01T03:05:12.000Z, set by variable GO_PROXY_GUARD_OVERRIDE. Remove it to return to the configured proxies.',
    );
    expect(overrideFingerprint(o)).toMatch(/^[0-9a-f]{16}$/);
    expect(overrideFingerprint(o)).not.toContain('pw123456');
  });
});
