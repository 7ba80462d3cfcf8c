import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseCommandLine, UsageError } from '../../src/cli/flags.js';
import { DOTENV_LIMITS, dotenvText, exportLine } from '../../src/platform/dotenv.js';
import { credentialHosts, formatGoproxy, parseGoproxy, withoutCredentials } from '../../src/goproxy/chain.js';
import { GitLabPlatform, sectionName } from '../../src/platform/gitlab.js';
import { LocalPlatform } from '../../src/platform/local.js';
import { Secrets } from '../../src/secrets/secrets.js';

class Stream {
  text = '';
  constructor(readonly isTTY = false) {}
  write(s: string) {
    this.text += s;
    return true;
  }
}

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'gpg-unit-'));

function local(opts: { tty?: boolean; env?: NodeJS.ProcessEnv; json?: boolean; quiet?: boolean; verbose?: boolean } = {}) {
  const stdout = new Stream(opts.tty);
  const stderr = new Stream(opts.tty);
  const secrets = new Secrets();
  secrets.add('s3cret-pw');
  const platform = new LocalPlatform({
    secrets,
    readInput: () => undefined,
    workDir: tmp(),
    stateFile: path.join(tmp(), 'state.json'),
    context: { repository: '/p', workflow: 'go-proxy-guard probe', runId: undefined, runUrl: undefined, event: 'cli' },
    stdout,
    stderr,
    env: opts.env ?? {},
    json: opts.json,
    quiet: opts.quiet,
    verbose: opts.verbose,
  });
  return { platform, stdout, stderr };
}

describe('the terminal platform', () => {
  test('on a terminal: colour, a heading per group, progress on one self-erasing status line', async () => {
    const { platform, stdout, stderr } = local({ tty: true });
    await platform.group('Warming the module cache', async () => {
      platform.debug('go: downloading example.com/alpha v1.1.0');
      platform.debug('go: downloading example.com/beta v0.2.0');
      platform.info('ladder: proxy ok');
    });
    platform.warning('proxy down');
    expect(stdout.text).toBe(
      '\x1b[1m==> Warming the module cache\x1b[22m\n' +
        '\r\x1b[2K\x1b[36m|\x1b[39m \x1b[2mgo: downloading example.com/alpha v1.1.0\x1b[22m' +
        '\r\x1b[2K\x1b[36m/\x1b[39m \x1b[2mgo: downloading example.com/beta v0.2.0\x1b[22m' +
        '\r\x1b[2K' +
        'ladder: proxy ok\n',
    );
    expect(stderr.text).toBe('\x1b[33mwarning: proxy down\x1b[39m\n');
  });

  test('NO_COLOR: no colour, progress stays; no terminal: plain lines and no progress', async () => {
    for (const o of [{ tty: true, env: { NO_COLOR: '1' } }, { tty: false }]) {
      const { platform, stdout } = local(o);
      await platform.group('Probing', async () => platform.info('table'));
      platform.debug('go: downloading x');
      expect(stdout.text).toBe(o.tty ? '==> Probing\ntable\n\r\x1b[2K| go: downloading x' : '==> Probing\ntable\n');
    }
  });

  test('--verbose prints every progress line; --json moves the log to stderr; -q keeps only warnings and errors', async () => {
    const verbose = local({ verbose: true });
    verbose.platform.debug('go: downloading x');
    expect(verbose.stdout.text).toBe('  go: downloading x\n');
    const json = local({ json: true });
    json.platform.info('hello');
    json.platform.exportVariable('GOPROXY', 'a|direct');
    json.platform.finish();
    expect([json.stdout.text, json.stderr.text]).toEqual(['', 'hello\n']);
    const quiet = local({ quiet: true });
    quiet.platform.info('hello');
    quiet.platform.error('bad');
    quiet.platform.exportVariable('GOPROXY', "https://u:s3cret-pw@a.example|it's");
    quiet.platform.finish();
    expect(quiet.stdout.text).toBe(`export GOPROXY='https://u:s3cret-pw@a.example|it'\\''s'\n`);
    expect(quiet.stderr.text).toBe('error: bad\n');
  });

  test('log lines and outputs are masked; exported variables keep the real value', () => {
    const { platform, stdout } = local();
    platform.info('GOPROXY=https://u:s3cret-pw@a.example');
    platform.setOutput('goproxy', 'https://u:s3cret-pw@a.example');
    expect(stdout.text).toBe('GOPROXY=https://u:***@a.example\n');
    expect(platform.outputs.goproxy).toBe('https://u:***@a.example');
  });
});

describe('the GitLab platform', () => {
  test('groups are collapsible log sections', async () => {
    const out = new Stream();
    const dir = tmp();
    const platform = new GitLabPlatform({
      secrets: new Secrets(),
      readInput: () => undefined,
      workDir: dir,
      dotenvFile: path.join(dir, 'guard.env'),
      stateFile: path.join(dir, 'state.json'),
      stdout: out,
      env: { NO_COLOR: '1' },
    });
    await platform.group('Probing Go module proxies', async () => platform.info('table'));
    const sections = out.text.replace(/section_(start|end):\d+:/g, 'section_$1:<ts>:');
    expect(sections).toBe(
      '\x1b[0Ksection_start:<ts>:go-proxy-guard_1_probing_go_module_proxies\r\x1b[0KProbing Go module proxies\ntable\n' +
        '\x1b[0Ksection_end:<ts>:go-proxy-guard_1_probing_go_module_proxies\r\x1b[0K\n',
    );
    expect(sectionName(12, '  Warming: the module cache! ')).toBe('go-proxy-guard_12_warming_the_module_cache');
    platform.setOutput('verdict', 'healthy');
    platform.exportVariable('GOFLAGS', '-modcacherw -mod=vendor');
    expect(readFileSync(path.join(dir, 'guard.env'), 'utf8')).toBe('GOFLAGS=-modcacherw -mod=vendor\nGO_PROXY_GUARD_VERDICT=healthy\n');
  });

  test('an output that spans lines (docker-build-args on the vendor rung) is left out with one warning; the run goes on', () => {
    const out = new Stream();
    const dir = tmp();
    const dotenvFile = path.join(dir, 'guard.env');
    const platform = new GitLabPlatform({
      secrets: new Secrets(),
      readInput: () => undefined,
      workDir: dir,
      dotenvFile,
      stateFile: path.join(dir, 'state.json'),
      stdout: out,
      env: { NO_COLOR: '1' },
    });
    platform.exportVariable('GOFLAGS', '-modcacherw -mod=vendor');
    platform.setOutput('docker-build-args', 'GOPROXY=off\nGOFLAGS=-modcacherw -mod=vendor');
    platform.setOutput('ladder-step', 'vendor');
    expect(readFileSync(dotenvFile, 'utf8')).toBe('GOFLAGS=-modcacherw -mod=vendor\nGO_PROXY_GUARD_LADDER_STEP=vendor\n');
    expect(out.text).toBe(
      `WARNING: GO_PROXY_GUARD_DOCKER_BUILD_ARGS is left out of ${dotenvFile}: its value spans lines, and a dotenv report holds one line per variable\n`,
    );
  });
});

describe('dotenv and export lines', () => {
  test('credentials leave GOPROXY, separators and terminal words stay', () => {
    const chain = parseGoproxy('https://bot:pw@a.example/goproxy/,https://b.example|direct');
    expect(formatGoproxy(withoutCredentials(chain))).toBe('https://a.example/goproxy/,https://b.example|direct');
    expect(credentialHosts(chain)).toEqual(['a.example/goproxy']);
    expect(formatGoproxy(withoutCredentials(parseGoproxy('https://a.example|off')))).toBe('https://a.example|off');
    expect(credentialHosts(parseGoproxy('https://a.example|off'))).toEqual([]);
  });

  test('a value a dotenv report cannot carry is left out and named; the rest is written; a bad name throws', () => {
    expect(() => dotenvText({ 'GO-PROXY': 'x' })).toThrow('names are letters, digits and _');
    const { text, skipped } = dotenvText({
      GOPROXY: 'https://a.example|direct',
      GO_PROXY_GUARD_DOCKER_BUILD_ARGS: 'GOPROXY=https://a.example|direct\nGOFLAGS=-mod=vendor',
      CR: 'a\rb',
      BELL: 'a\u0007b',
      GOFLAGS: '-modcacherw -mod=vendor',
    });
    expect(text).toBe('GOPROXY=https://a.example|direct\nGOFLAGS=-modcacherw -mod=vendor\n');
    expect(skipped).toEqual([
      { name: 'GO_PROXY_GUARD_DOCKER_BUILD_ARGS', reason: 'its value spans lines, and a dotenv report holds one line per variable' },
      { name: 'CR', reason: 'its value spans lines, and a dotenv report holds one line per variable' },
      { name: 'BELL', reason: 'its value holds control characters' },
    ]);
    expect(exportLine('GOFLAGS', '-mod=vendor')).toBe("export GOFLAGS='-mod=vendor'");
  });

  test("GitLab's limits: past 20 variables or 5 KiB the rest is left out, never a report GitLab rejects", () => {
    const many = Object.fromEntries(Array.from({ length: 22 }, (_, i) => [`V${i}`, 'x']));
    const counted = dotenvText(many);
    expect(counted.text.split('\n').filter(Boolean)).toHaveLength(DOTENV_LIMITS.variables);
    expect(counted.skipped.map((s) => s.name)).toEqual(['V20', 'V21']);
    const big = dotenvText({ A: 'a'.repeat(3000), B: 'b'.repeat(3000), C: 'c' });
    expect(big.text).toBe(`A=${'a'.repeat(3000)}\nC=c\n`);
    expect(big.skipped).toEqual([{ name: 'B', reason: 'GitLab takes at most 5120 bytes from a dotenv report' }]);
    expect(Buffer.byteLength(big.text)).toBeLessThanOrEqual(DOTENV_LIMITS.bytes);
  });
});

describe('command lines', () => {
  test('flags mirror the inputs; lists repeat; --no-<bool> is false; globals go before or after the command', () => {
    const cl = parseCommandLine([
      '--json',
      'warm',
      '--proxies',
      'a.example',
      '--proxies=b.example',
      '--no-direct',
      '-q',
      '--probe-timeout=5s',
    ]);
    expect(cl).toEqual({
      command: 'warm',
      inputs: { proxies: 'a.example\nb.example', direct: 'false', 'probe-timeout': '5s' },
      options: { json: true, quiet: true },
      help: false,
      version: false,
    });
  });

  test.each([
    [['doctor', '--dotenv', 'x.env'], 'flag --dotenv does not apply to "doctor"'],
    [['--proxies', 'a'], 'flag --proxies needs a command (probe, warm, serve, doctor, gitlab, status-page)'],
    [['probe', '--json=yes'], 'flag --json takes no value, got "yes"'],
    [['probe', '--no-prewarm'], 'flag --no-prewarm is set by "probe" itself (prewarm=false); use "warm" to pre-warm'],
  ])('%j is refused', (argv, message) => {
    expect(() => parseCommandLine(argv)).toThrow(new UsageError(message, undefined));
  });
});
