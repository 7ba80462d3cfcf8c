import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildConfig } from '../../src/config/config.js';
import { parseProxies } from '../../src/config/proxies.js';
import { INPUTS, OUTPUTS, type InputName } from '../../src/config/inputs.js';
import { parseDuration } from '../../src/config/parse.js';
import { parse as parseYaml } from 'yaml';
import { readActionInputs } from '../lab/runner.js';
import { repoRoot } from '../lab/paths.js';

const inputs = (values: Partial<Record<InputName, string>>) => (name: InputName) => values[name];

describe('inputs are validated once, with errors that name the input, the value and what is accepted', () => {
  test.each([
    [{ fallback: 'sometimes' }, 'input "fallback" must be one of any-error, not-found, got "sometimes"'],
    [{ 'min-score': '1.7' }, 'input "min-score" must be a number from 0 to 1, got "1.7"'],
    [{ 'probe-timeout': 'fast' }, 'input "probe-timeout" must be a duration like 3s, 2500ms or 1m, got "fast"'],
    [
      { proxies: 'ftp://mirror.example' },
      'input "proxies" must list http:// or https:// URLs (or bare host names), got "ftp://mirror.example"',
    ],
    [{ proxies: 'goproxy' }, 'input "proxies" must list http(s) URLs or bare host names like goproxy.io, got "goproxy"'],
    [{ proxies: ' , ,' }, 'input "proxies" must list at least one proxy URL, got " , ,"'],
    [
      { proxies: 'https://a.example,direct' },
      'input "proxies" must list proxy URLs only; "direct" is set with the "direct" input, got "direct"',
    ],
    [{ 'probe-samples': '0' }, 'input "probe-samples" must be a whole number from 1 to 20, got "0"'],
    [{ direct: 'maybe' }, 'input "direct" must be true or false, got "maybe"'],
    [{ 'fail-on': 'sometimes' }, 'input "fail-on" must be one of download-failure, unhealthy, degraded, never, got "sometimes"'],
    [{ 'score-weights': 'speed=1' }, 'input "score-weights" must be key=value pairs with keys success, latency, cert, got "speed=1"'],
    [{ 'cache-key-prefix': 'a,b' }, 'input "cache-key-prefix" must be 1-200 letters, digits, ".", "_" or "-", got "a,b"'],
    [{ 'save-cache': 'sometimes' }, 'input "save-cache" must be one of auto, always, never, got "sometimes"'],
  ])('%j is refused', (values, message) => {
    expect(() => buildConfig(inputs(values), '/tmp')).toThrow(message);
  });

  test('defaults give the documented configuration', () => {
    const c = buildConfig(inputs({}), '/work/project');
    expect(c).toMatchObject({
      proxies: undefined,
      workingDirectory: path.resolve('/work/project'), // D:\work\project on Windows
      probe: { timeoutMs: 3000, samples: 3, modules: 3 },
      minScore: 0.5,
      fallback: 'any-error',
      direct: true,
      failOn: 'download-failure',
      warm: { enabled: true, retries: 3, backoffMs: 1000, timeoutMs: 300_000, vendorFallback: true },
      cache: { enabled: true, keyPrefix: 'go-proxy-guard', save: 'auto' },
    });
    expect(c.score.weights).toEqual({ success: 0.4, latency: 0.35, cert: 0.25 });
  });

  test('proxies: newline or comma separated, bare hosts get https://, duplicates dropped', () => {
    expect(parseProxies('goproxy.io\nhttps://proxy.golang.org/, https://proxy.golang.org|http://127.0.0.1:8080/sub')).toEqual([
      'https://goproxy.io',
      'https://proxy.golang.org/',
      'http://127.0.0.1:8080/sub',
    ]);
  });

  test.each([
    ['2500ms', 2500],
    ['3s', 3000],
    ['1m', 60000],
    ['1m30s', 90000],
    ['0.5s', 500],
  ])('duration %s is %d ms', (raw, ms) => expect(parseDuration('probe-timeout', raw)).toBe(ms));
});

describe('action.yml declares exactly the inputs and outputs the code reads, with the same defaults', () => {
  const yml = fs.readFileSync(path.join(repoRoot, 'action.yml'), 'utf8');
  const declared = readActionInputs(path.join(repoRoot, 'action.yml'));

  test('inputs', () => {
    expect(Object.keys(declared).sort()).toEqual(Object.keys(INPUTS).sort());
    for (const [name, spec] of Object.entries(INPUTS)) expect([name, declared[name]?.default ?? '']).toEqual([name, spec.default]);
  });

  test('outputs', () => {
    const outputs = Object.keys((parseYaml(yml) as { outputs: Record<string, unknown> }).outputs);
    expect(outputs.sort()).toEqual(Object.keys(OUTPUTS).sort());
  });

  test('runs on node24 with a post step', () => {
    expect(yml).toMatch(/using: node24/);
    expect(yml).toMatch(/main: dist\/index\.js/);
    expect(yml).toMatch(/post: dist\/index\.js/);
  });
});
