import { buildAlertMessage } from '../../src/alert/message.js';
import { formatAlert } from '../../src/alert/formats/index.js';
import { breakLinks, breakMentions } from '../../src/alert/formats/inert.js';
import type { WebhookFormat } from '../../src/config/config.js';
import { InputError } from '../../src/config/errors.js';
import { MAX_DURATION_MS, parseDuration } from '../../src/config/parse.js';
import { registerSecretInputs } from '../../src/config/secret-inputs.js';
import { failure } from '../../src/diagnosis/failure.js';
import { diagnoseGo } from '../../src/diagnosis/go-output.js';
import { oneLine, UPSTREAM_TEXT_MAX_CHARS } from '../../src/diagnosis/untrusted-text.js';
import { neutraliseWorkflowCommands } from '../../src/platform/workflow-commands.js';
import { failingProxy, runReport } from './fixtures/report.js';
import { redactUrl, Secrets } from '../../src/secrets/secrets.js';
import { activeMarkup } from '../lab/webhooks.js';
import { parseWorkflowCommands } from '../lab/runner.js';

describe('oneLine: upstream text becomes one clean line', () => {
  test.each([
    ['v1.0.0\n::set-output name=x::y', 'v1.0.0 ::set-output name=x::y'],
    ['a\r\nb\rc\vd\fe\u0085f\u2028g\u2029h\ti', 'a b c d e f g h i'],
    ['\x1b[2K\x1b[1Aok', '[2K[1Aok'],
    ['nul\x00 del\x7f c1\x9b bidi\u202egnp.exe\u2066x\u2069', 'nul del c1 bidignp.exex'],
    ['  lots   of\n\n\nspace  ', 'lots of space'],
    ['plain text: HTTP 503 (Service Unavailable)', 'plain text: HTTP 503 (Service Unavailable)'],
  ])('%j -> %j', (raw, clean) => {
    expect(oneLine(raw)).toBe(clean);
  });

  test('long text is cut with an ellipsis, never half a surrogate pair', () => {
    expect(oneLine('x'.repeat(10_000))).toHaveLength(UPSTREAM_TEXT_MAX_CHARS);
    expect(oneLine('x'.repeat(10_000)).endsWith('…')).toBe(true);
    const cut = oneLine(`${'a'.repeat(8)}😀😀😀`, 10);
    expect(cut).toBe(`${'a'.repeat(8)}…`);
    expect(oneLine('short', 10)).toBe('short');
  });

  test('every failure message is one clean line, whatever it quotes', () => {
    expect(failure('version-mismatch', 'asked for v1, got v1\n::error::x\x1b[0m').message).toBe('asked for v1, got v1 ::error::x[0m');
  });

  test("go's multi-line error quoting a server response is one line in the diagnosis", () => {
    const stderr = [
      'go: example.com/a@v1.0.0: reading http://127.0.0.1:1/example.com/a/@v/v1.0.0.zip: 500 Internal Server Error',
      '\tserver response:',
      '\tupstream broke',
      '\t::set-output name=goproxy::pwned',
      '',
    ].join('\n');
    const d = diagnoseGo(stderr, [], { timedOut: false, timeoutMs: 1000 });
    expect(d.code).toBe('http-5xx');
    expect(d.goMessage).toContain('server response: upstream broke ::set-output name=goproxy::pwned');
    expect(d.goMessage).not.toMatch(/\n/);
    const killed = diagnoseGo(`${stderr}go: downloading example.com/b v1.0.0\n`, [], { timedOut: true, timeoutMs: 1000 });
    expect(killed.goMessage).toBe('go: downloading example.com/b v1.0.0');
    const json = diagnoseGo('', ['go: example.com/a@v1.0.0: bad\n::error::x'], { timedOut: false, timeoutMs: 1000 });
    expect(json.goMessage).toBe('go: example.com/a@v1.0.0: bad ::error::x');
  });
});

describe('workflow commands are neutralised in GitHub log lines', () => {
  test.each([
    '::set-output name=goproxy::pwned',
    '   ::error::owned',
    'line one\n::add-mask::x\nline three',
    'text ##[set-output name=verdict;]pwned',
    '##[error]owned',
  ])('%j is no command for the runner, and still reads the same', (text) => {
    const out = neutraliseWorkflowCommands(text);
    expect(parseWorkflowCommands(out)).toEqual([]);
    expect(out.replace(/\u200b/g, '')).toBe(text);
  });

  test('the runner parses the originals as commands (the emulator is not blind to them)', () => {
    expect(parseWorkflowCommands('::set-output name=goproxy::pwned\ntext ##[set-output name=verdict;]pwned').map((c) => c.command)).toEqual(
      ['set-output', 'set-output'],
    );
  });

  test('ordinary lines are unchanged', () => {
    for (const t of ['GOPROXY=https://proxy.golang.org|direct', 'a::b in the middle', 'C# and ## headings'])
      expect(neutraliseWorkflowCommands(t)).toBe(t);
  });
});

describe('chat: mentions and links from upstream text are inert in every format', () => {
  const BAIT =
    '@all <at id=all></at> <at user_id="ou_1"></at> <!channel> <!here> <@U024BE7LH> <@123456789> @everyone @13800138000 [click](http://evil.example/a) <http://evil.example/b|click> http://evil.example/c';

  /** One broken mirror whose answer baits every chat service. */
  const report = () =>
    runReport({
      proxies: [failingProxy('https://mirror.example', 'broken', 'version-mismatch', `asked for v1.0.0, got ${BAIT}`)],
      goproxy: 'direct',
      bestProxy: undefined,
      healthyCount: 0,
      verdict: 'failed',
      reason: `no healthy proxy; https://mirror.example broken (asked for v1.0.0, got ${BAIT})`,
      warm: undefined,
    });

  const FORMATS: WebhookFormat[] = ['slack', 'discord', 'teams', 'dingtalk', 'feishu', 'wecom'];
  test.each(FORMATS)('%s', (format) => {
    const message = buildAlertMessage({
      kind: 'alert',
      report: report(),
      context: {
        platform: 'github',
        repository: 'acme/app',
        workflow: 'ci',
        runId: '1',
        event: 'push',
        runUrl: 'https://github.example/acme/app/actions/runs/1',
        at: new Date('2025-03-01T10:00:00Z'),
      },
      secrets: new Secrets(),
    });
    const { body } = formatAlert(format, message, { now: new Date() });
    const active = activeMarkup(format, body);
    expect(active.mentions).toEqual([]);
    expect(active.links.filter((l) => l.includes('evil.example'))).toEqual([]);
    // Our own link to the run stays a link.
    if (format !== 'slack' && format !== 'discord')
      expect(JSON.stringify(body)).toContain('https://github.example/acme/app/actions/runs/1');
    expect(JSON.stringify(body)).toContain('evil.example');
  });

  test('the receivers model sees the bait as active when nothing neutralises it', () => {
    expect(activeMarkup('dingtalk', { text: BAIT }).mentions.length).toBeGreaterThan(0);
    expect(activeMarkup('feishu', { text: BAIT }).mentions).toContain('<at id=all>');
    expect(activeMarkup('wecom', { text: BAIT }).links).toContain('http://evil.example/a');
    expect(activeMarkup('discord', { allowed_mentions: { parse: [] }, text: BAIT }).links).toContain('http://evil.example/a');
    expect(activeMarkup('slack', { text: BAIT }).mentions).toContain('<!channel>');
  });

  test('breakMentions and breakLinks keep the words', () => {
    expect(breakMentions('@all @everyone a@b.c')).toBe('@\u200ball @\u200beveryone a@\u200bb.c');
    expect(breakLinks('[x](https://e.example)')).toBe('[x]\u200b(https:\u200b//e.example)');
  });
});

describe('credentials: a token in the user name is a secret; inputs are registered before they are checked', () => {
  const TOKEN = 'ghp_Tok3nUsedAsTheUserName0123456789ab';

  test.each([
    [`https://${TOKEN}:x-oauth-basic@github.example/go`, 'https://***:***@github.example/go', [TOKEN, 'x-oauth-basic']],
    [`https://${TOKEN}@github.example`, 'https://***@github.example', [TOKEN]],
    ['https://glpat-abc123def456:pw-123@gitlab.example', 'https://***:***@gitlab.example', ['glpat-abc123def456', 'pw-123']],
    ['https://bot:hunter2-PW@proxy.example', 'https://bot:***@proxy.example', ['hunter2-PW']],
  ])('%s is shown as %s', (url, shown, registered) => {
    const added: string[] = [];
    const s = new Secrets((v) => added.push(v));
    expect(s.addUrl(url)).toBe(shown);
    expect(redactUrl(url)).toBe(shown);
    expect(added).toEqual(expect.arrayContaining(registered));
  });

  test("the go command's own redaction (user:xxxxx@) keeps the user name: the mask removes the token from it", () => {
    const s = new Secrets();
    s.addUrl(`https://${TOKEN}:x-oauth-basic@github.example`);
    expect(s.mask(`reading https://${TOKEN}:xxxxx@github.example/x/@v/list: 404`)).toBe(
      'reading https://***:xxxxx@github.example/x/@v/list: 404',
    );
  });

  test('a plain user name is not blanked everywhere', () => {
    const s = new Secrets();
    s.addUrl('https://bot:hunter2-PW@proxy.example');
    expect(s.mask('robot bot hunter2-PW')).toBe('robot bot ***');
  });

  test('URLs the checks will refuse are registered all the same', () => {
    const added: string[] = [];
    const s = new Secrets((v) => added.push(v));
    registerSecretInputs(
      (name) =>
        ({
          proxies: 'ftp://ci:S3cret-1@x.example, user:Pw-no-scheme@y.example | https://z.example',
          'webhook-url': 'https://hooks.example/T000/B000/XXXX\n',
          'webhook-secret': ' SECabc ',
        })[name as string],
      s,
    );
    expect(added).toEqual(expect.arrayContaining(['S3cret-1', 'Pw-no-scheme', 'https://hooks.example/T000/B000/XXXX', 'SECabc']));
    expect(added).not.toContain('ci');
  });
});

describe('durations are held to what a timer can wait', () => {
  test('up to 2^31-1 ms is accepted', () => {
    expect(parseDuration('probe-timeout', '596h')).toBe(596 * 3_600_000);
    expect(parseDuration('probe-timeout', `${MAX_DURATION_MS}ms`)).toBe(MAX_DURATION_MS);
  });
  test.each(['999h', `${MAX_DURATION_MS + 1}ms`, '597h', '100000m'])('%s is refused, naming the input and the maximum', (raw) => {
    expect(() => parseDuration('download-timeout', raw)).toThrow(InputError);
    expect(() => parseDuration('download-timeout', raw)).toThrow(
      `input "download-timeout" must be a duration of at most 596h (24.8 days), the longest a timer can wait, got "${raw}"`,
    );
  });
});
