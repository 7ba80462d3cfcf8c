/**
 * Text from upstreams never becomes a command, a mention or a link, and no
 * form of a credential reaches what a reader sees: end to end through the
 * bundled action (dist/index.js) and the CLI, against hostile lab proxies,
 * the runner emulator and real webhook receivers on 127.0.0.1.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { WebhookFormat } from '../src/config/config.js';
import { runCommand } from './lab/go.js';
import { BETA, closeLabServers, GAMMA, type GuardCase, guardCase, labProxy, labReceiver } from './lab/guard-case.js';
import { CLI } from './lab/paths.js';
import type { ActionResult } from './lab/runner.js';
import { activeMarkup } from './lab/webhooks.js';

afterEach(closeLabServers);

const probeOnly = { prewarm: 'false', cache: 'false', 'probe-samples': '1' };

/** An `.info` whose Version carries what a compromised mirror would put there. */
const HOSTILE_VERSION = [
  `${BETA.version}`,
  '::set-output name=goproxy::pwned',
  '::error::owned by the mirror',
  '\r##[set-output name=verdict;]pwned',
  '\x1b[2K\x1b[1Afake ok line \u202egnp.exe',
].join('\n');

const ESC = String.fromCharCode(0x1b);

/** The log a reader sees, without the lines that are instructions to the runner. */
const shownLog = (r: ActionResult) =>
  r.stdout
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n');

/** Commands the guard itself issues; anything else in the log came from somewhere it should not. */
const OWN_COMMANDS = new Set(['add-mask', 'group', 'endgroup', 'debug', 'warning', 'error', 'notice', 'save-state']);

describe('upstream text is one clean line and never a workflow command', () => {
  test('a Version holding ::set-output, ##[...], a CR and escape sequences: shown on one line, no command runs', async () => {
    const hostile = await labProxy();
    await hostile.setFault(
      { status: 200, body: JSON.stringify({ Version: HOSTILE_VERSION }) },
      { module: BETA.path, version: BETA.version, path: '.info' },
    );
    const good = await labProxy();
    const c = guardCase('hostile-version');
    const r = await c.run({ ...probeOnly, proxies: `${hostile.url}\n${good.url}` });

    expect(r.code).toBe(0);
    // The runner took no command from the upstream: outputs are the guard's own.
    expect(r.commands.map((x) => x.command).filter((name) => !OWN_COMMANDS.has(name))).toEqual([]);
    expect(r.outputs.goproxy).toBe(`${good.url}|direct`);
    expect(r.outputs.verdict).toBe('degraded');
    expect(r.errors.filter((e) => e.startsWith('owned'))).toEqual([]);
    // The proxy is reported broken, and the reader still sees what it said, on one line.
    const row = r.report.proxies.find((p: { url: string }) => p.url === hostile.url);
    expect(row.verdict).toBe('broken');
    expect(row.failure.code).toBe('version-mismatch');
    expect(row.failure.message).toContain('::set-output name=goproxy::pwned');
    for (const c of ['\n', '\r', ESC, '\u202e']) expect(row.failure.message).not.toContain(c);
    for (const text of [shownLog(r), r.summary, readFileSync(r.outputs.report!, 'utf8')]) {
      for (const c of ['\r', ESC, '\u202e']) expect(text).not.toContain(c);
      // Every line that mentions the hostile text is the guard's line about the proxy, not a line of its own.
      for (const line of text.split('\n').filter((l) => l.includes('pwned'))) expect(line).toContain('got v0.2.0');
    }
    for (const line of r.stdout.split('\n')) {
      expect(line.trimStart().startsWith('::set-output')).toBe(false);
      expect(line).not.toContain('##[');
    }
  });

  test('go quoting an upstream error body: the diagnosis and annotation hold it on one line', async () => {
    const p = await labProxy();
    await p.setFault(
      { status: 500, body: 'upstream broke\n::set-output name=goproxy::pwned\n::warning::owned by the body\n' },
      { module: GAMMA.path, path: '.zip' },
    );
    const c = guardCase('hostile-body');
    const r = await c.run({ cache: 'false', proxies: p.url, 'probe-samples': '1', 'probe-modules': '1', retries: '0', direct: 'false' });

    expect(r.commands.map((x) => x.command).filter((name) => !OWN_COMMANDS.has(name))).toEqual([]);
    expect(r.warnings.filter((w) => w.startsWith('owned'))).toEqual([]);
    const goMessage: string = r.report.warm.diagnosis.goMessage;
    expect(goMessage).toContain('upstream broke');
    expect(goMessage).toContain('::set-output name=goproxy::pwned');
    expect(goMessage).not.toMatch(/[\n\r]/);
    for (const line of r.stdout.split('\n')) expect(line.trimStart().startsWith('::set-output')).toBe(false);
  });
});

describe('chat: upstream text pings nobody and links nowhere', () => {
  const BAIT = '@all <at id=all></at> <!channel> <@U024BE7LH> @everyone [click](http://evil.example/login) http://evil.example/x';
  const FORMATS: WebhookFormat[] = ['slack', 'discord', 'teams', 'dingtalk', 'feishu', 'wecom'];

  test.each(FORMATS)('%s: the alert shows the text, and the service finds no mention and no link in it', async (format) => {
    const hostile = await labProxy();
    await hostile.setFault(
      { status: 200, body: JSON.stringify({ Version: `v9.9.9 ${BAIT}` }) },
      { module: BETA.path, version: BETA.version, path: '.info' },
    );
    const good = await labProxy();
    const hook = await labReceiver(format);
    const c = guardCase(`chat-${format}`);
    const r = await c.run({ ...probeOnly, proxies: `${hostile.url}\n${good.url}`, 'webhook-url': hook.url, 'webhook-format': format });

    expect(r.code).toBe(0);
    expect(r.outputs.verdict).toBe('degraded');
    const [req] = hook.accepted();
    expect(req).toBeDefined();
    // The reader still sees what the proxy said...
    expect(req!.rawBody).toContain('click');
    expect(req!.rawBody).toContain('evil.example');
    // ...but nothing in it is markup the service acts on.
    const active = activeMarkup(format, req!.body);
    expect(active.mentions).toEqual([]);
    expect(active.links.filter((l) => l.includes('evil.example'))).toEqual([]);
  });
});

const TOKEN = 'ghp_Tok3nUsedAsTheUserName0123456789ab';

describe('credentials: every form masked, and before any input is checked', () => {
  test('a token used as the URL user name is masked in the log, outputs, report, summary, metrics and alert', async () => {
    const p = await labProxy('ok', { tls: 'valid', auth: { user: TOKEN, pass: 'x-oauth-basic' } });
    const dead = await labProxy({ status: 503 });
    const hook = await labReceiver('json');
    const c = guardCase('token-user');
    const metrics = path.join(c.lab, 'metrics.prom');
    const r = await c.run({
      ...probeOnly,
      proxies: `${p.authUrl}\n${dead.url}`,
      'metrics-file': metrics,
      'webhook-url': hook.url,
      'webhook-format': 'json',
    });

    expect(r.code).toBe(0);
    // The token did its job: the proxy let the probe in.
    expect(r.report.proxies.find((x: { verdict: string }) => x.verdict === 'healthy')).toBeDefined();
    expect(p.requests.every((q) => q.status !== 401)).toBe(true);
    expect(r.masks).toContain(TOKEN);
    const visible = [
      shownLog(r),
      r.stderr,
      JSON.stringify(r.outputs),
      readFileSync(r.outputs.report!, 'utf8'),
      r.summary,
      readFileSync(metrics, 'utf8'),
      ...hook.requests.map((q) => q.rawBody),
    ];
    expect(hook.accepted()).toHaveLength(1);
    for (const text of visible) expect(text).not.toContain(TOKEN);
    expect(readFileSync(r.outputs.report!, 'utf8')).toContain('https://***:***@127.0.0.1');
  });

  test('the CLI writes the token nowhere: JUnit, report, summary, log', async () => {
    const p = await labProxy('ok', { tls: 'valid', auth: { user: TOKEN, pass: 'x-oauth-basic' } });
    const c = guardCase('token-user-cli');
    const reports = path.join(c.lab, 'reports');
    const r = await cli(c, ['probe', '--proxies', p.authUrl, '--probe-samples', '1', '--reports-dir', reports]);
    expect(r.code).toBe(0);
    const files = readdirSync(reports).map((f) => readFileSync(path.join(reports, f), 'utf8'));
    expect(readdirSync(reports)).toEqual(expect.arrayContaining(['junit.xml', 'report.json']));
    // The export line for `eval` is the one place the real chain must be (how later steps get credentials is another matter).
    const log = r.stdout
      .split('\n')
      .filter((l) => !l.startsWith('export GOPROXY='))
      .join('\n');
    for (const text of [log, r.stderr, ...files]) expect(text).not.toContain(TOKEN);
  });

  test.each([
    ['ftp://ci:S3cret-Pw-99@mirror.example', 'S3cret-Pw-99'],
    [`ftp://${TOKEN}@mirror.example`, TOKEN],
    ['https://ci:S3cret-Pw-99@mirror.example/?q=1', 'S3cret-Pw-99'],
  ])('an input error about %s never prints its secret, and the mask comes first', async (proxies, secret) => {
    const c = guardCase('input-secret');
    const r = await c.run({ ...probeOnly, proxies });
    expect(r.code).toBe(1);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(/^input "proxies" must list /);
    expect(r.errors[0]).not.toContain(secret);
    const lines = r.stdout.split('\n');
    const maskAt = lines.indexOf(`::add-mask::${secret}`);
    const errorAt = lines.findIndex((l) => l.startsWith('::error'));
    expect(maskAt).toBeGreaterThanOrEqual(0);
    expect(maskAt).toBeLessThan(errorAt);
    for (const line of lines.filter((l) => !l.startsWith('::add-mask::'))) expect(line).not.toContain(secret);

    const fromCli = await cli(c, ['probe', '--proxies', proxies]);
    expect(fromCli.code).toBe(2);
    expect(fromCli.stderr).toMatch(/input "proxies" must list /);
    expect(fromCli.stdout + fromCli.stderr).not.toContain(secret);
  });
});

describe('durations a timer cannot hold are refused', () => {
  test.each(['probe-timeout', 'download-timeout', 'retry-backoff', 'alert-cooldown', 'serve-idle-timeout'])(
    '%s: 999h fails the step naming the input and the maximum',
    async (input) => {
      const p = await labProxy();
      const c = guardCase('long-duration');
      const r = await c.run({ ...probeOnly, proxies: p.url, [input]: '999h' });
      expect(r.code).toBe(1);
      expect(r.errors).toEqual([
        `input "${input}" must be a duration of at most 596h (24.8 days), the longest a timer can wait, got "999h"`,
      ]);
      // Nothing was probed: the error came before any proxy was judged "down".
      expect(p.requests).toEqual([]);
      expect(r.outputs.goproxy).toBeUndefined();
    },
  );
});

function cli(c: GuardCase, args: string[]) {
  const tmp = path.join(c.lab, 'tmp');
  if (!existsSync(tmp)) mkdirSync(tmp, { recursive: true });
  return runCommand(process.execPath, [CLI, ...args], { cwd: c.project.dir, env: { ...c.env, TMPDIR: tmp }, timeoutMs: 60_000 });
}
