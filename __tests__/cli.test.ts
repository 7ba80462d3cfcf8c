/**
 * The go-proxy-guard CLI (dist/cli/index.js), end to end: the same engine
 * as the action, run from a terminal against real loopback proxies and the
 * real go command, in the hermetic environment of each lab case.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { INPUTS } from '../src/config/inputs.js';
import { runCommand, vendorProject } from './lab/go.js';
import { closeLabServers, guardCase, labProxy, rungs, type GuardCase } from './lab/guard-case.js';
import { CLI } from './lab/paths.js';

afterEach(closeLabServers);

/** `go-proxy-guard <args>` in the case's project, with the case's hermetic environment (its temp directory too). */
function cli(c: GuardCase, args: string[], env: Record<string, string | undefined> = {}, cwd = c.project.dir) {
  const tmp = path.join(c.lab, 'tmp');
  mkdirSync(tmp, { recursive: true });
  return runCommand(process.execPath, [CLI, ...args], { cwd, env: { ...c.env, TMPDIR: tmp, ...env }, timeoutMs: 60_000 });
}

const quick = ['--probe-samples', '2', '--probe-timeout', '2s'];

describe('probe: rank the proxies, print the chain, download nothing', () => {
  test('a fast and a failing proxy: ranked, the verdict and the gate, and export lines a shell can eval', async () => {
    const fast = await labProxy();
    const failing = await labProxy({ status: 503 });
    const c = guardCase('cli-probe');
    const r = await cli(c, ['--json', 'probe', '--proxies', failing.url, '--proxies', fast.url, ...quick]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    // Ranked: the fast one first; the failing one down, with what it answered.
    expect(doc.report.proxies.map((p: { url: string; verdict: string }) => [p.url, p.verdict])).toEqual([
      [fast.url, 'healthy'],
      [failing.url, 'down'],
    ]);
    expect(doc.report.proxies[1]).toMatchObject({ successRate: 0, failure: { code: 'http-5xx', message: 'HTTP 503' } });
    expect([doc.report.verdict, doc.report.reason]).toEqual(['degraded', expect.stringMatching(/^1 of 2 proxies healthy/)]);
    expect(doc.gate).toEqual({
      pass: true,
      failOn: 'download-failure',
      cause: { kind: 'module-cache', state: 'not-warmed' },
      reason: 'nothing was downloaded',
    });
    expect(doc.exported).toEqual({ GOPROXY: `${fast.url}|direct` });
    // probe downloads nothing.
    expect(fast.requests.filter((q) => q.kind === 'zip' && q.status === 200)).toEqual([]);

    // -q leaves only the export lines on stdout (the failing proxy's warnings go to stderr): eval them, then the go
    // command downloads through the chain.
    const shell = await runCommand(
      'sh',
      [
        '-c',
        `eval "$("${process.execPath}" "${CLI}" probe -q --proxies ${failing.url} --proxies ${fast.url} --probe-samples 1)" && echo "GOPROXY=$GOPROXY" && go mod download all`,
      ],
      { cwd: c.project.dir, env: { ...c.env, TMPDIR: path.join(c.lab, 'tmp') }, timeoutMs: 60_000 },
    );
    expect(shell.code).toBe(0);
    expect(shell.stdout.trim()).toBe(`GOPROXY=${fast.url}|direct`);
  });

  test('--json prints one document holding the report; log lines move to stderr', async () => {
    const fast = await labProxy();
    const c = guardCase('cli-json');
    const r = await cli(c, ['--json', 'probe', '--proxies', fast.url, ...quick]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({
      schema: 'go-proxy-guard/cli@1',
      command: 'probe',
      exitCode: 0,
      gate: { pass: true },
      outputs: { goproxy: `${fast.url}|direct`, verdict: 'healthy', 'healthy-count': '1' },
      exported: { GOPROXY: `${fast.url}|direct` },
      report: { schema: 'go-proxy-guard/report@1', verdict: 'healthy', healthyCount: 1 },
    });
    expect(doc.report.proxies.map((p: { url: string; verdict: string }) => [p.url, p.verdict])).toEqual([[fast.url, 'healthy']]);
    expect(doc.report.warm).toBeUndefined();
    expect(doc.reports.json).toBe(path.join(c.lab, 'tmp', `go-proxy-guard-${process.getuid?.()}`, 'report.json'));
    expect(JSON.parse(readFileSync(doc.reports.json, 'utf8')).schema).toBe('go-proxy-guard/report@1');
    expect(r.stderr).toMatch(/proxy\s+verdict\s+p50/);
    expect(r.stderr).toMatch(/^verdict: healthy/m);
  });

  test('the exit status follows fail-on', async () => {
    const dead = await labProxy({ status: 502 });
    const c = guardCase('cli-failon');
    const args = ['probe', '--proxies', dead.url, ...quick];

    const unhealthy = await cli(c, ['--json', ...args, '--fail-on', 'unhealthy']);
    expect(unhealthy.code).toBe(1);
    expect(JSON.parse(unhealthy.stdout)).toMatchObject({
      exitCode: 1,
      gate: { pass: false, reason: 'no proxy reached min-score (fail-on: unhealthy)' },
      report: { verdict: 'failed' },
    });

    const degraded = await cli(c, [...args, '--fail-on', 'degraded']);
    expect(degraded.code).toBe(1);
    const never = await cli(c, ['--json', ...args, '--fail-on', 'never']);
    expect(never.code).toBe(0);
    expect(JSON.parse(never.stdout).gate).toEqual({ pass: true, failOn: 'never', cause: { kind: 'never' }, reason: 'fail-on is never' });
    // Inputs also come from GPG_<NAME>; the flag wins over it.
    const fromEnv = await cli(c, args, { GPG_FAIL_ON: 'unhealthy' });
    expect(fromEnv.code).toBe(1);
    const flagWins = await cli(c, [...args, '--fail-on', 'never'], { GPG_FAIL_ON: 'unhealthy' });
    expect(flagWins.code).toBe(0);
  });
});

describe('bad command lines exit 2 with the message the action would give', () => {
  test.each([
    [['--min-score', '1.7'], 'error: input "min-score" must be a number from 0 to 1, got "1.7"'],
    [['--probe-timeout=fast'], 'error: input "probe-timeout" must be a duration like 3s, 2500ms or 1m, got "fast"'],
    [['--fallback', 'sometimes'], 'error: input "fallback" must be one of any-error, not-found, got "sometimes"'],
    [['--working-directory', 'missing'], 'error: input "working-directory" must be an existing directory, got "missing"'],
    [['--frobnicate'], 'error: unknown flag --frobnicate'],
    [['--prewarm', 'true'], 'error: flag --prewarm is set by "probe" itself (prewarm=false); use "warm" to pre-warm'],
    [['--probe-timeout'], 'error: flag --probe-timeout needs a value (--probe-timeout <value>, or --probe-timeout=<value>)'],
    [['--fail-on', 'never', '--fail-on', 'unhealthy'], 'error: flag --fail-on is given twice'],
    [['extra'], 'error: unexpected argument "extra" (flags take their value as --flag value or --flag=value)'],
  ])('probe %j', async (args, message) => {
    const c = guardCase('cli-bad');
    const r = await cli(c, ['probe', '--proxies', 'http://127.0.0.1:9', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('error: '))).toEqual([message]);
  });

  test('an input from the environment is checked alike, and --json carries the error', async () => {
    const c = guardCase('cli-bad-env');
    const r = await cli(c, ['probe', '--json', '--proxies', 'http://127.0.0.1:9'], { GPG_MIN_SCORE: '1.7' });
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual({
      schema: 'go-proxy-guard/cli@1',
      command: 'probe',
      exitCode: 2,
      error: 'input "min-score" must be a number from 0 to 1, got "1.7"',
    });
  });

  test('no command, or an unknown one', async () => {
    const c = guardCase('cli-nocmd');
    const none = await cli(c, []);
    expect(none.code).toBe(2);
    expect(none.stdout).toMatch(/^Usage: go-proxy-guard <command> \[flags\]$/m);
    const unknown = await cli(c, ['frob']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^error: unknown command "frob" \(commands: probe, warm, serve, doctor, gitlab, status-page\)$/m);
  });
});

describe('--help', () => {
  test.each(['probe', 'warm', 'doctor', 'gitlab'])('%s --help lists every input as a flag, with its default', async (command) => {
    const c = guardCase('cli-help');
    const r = await cli(c, [command, '--help']);
    expect(r.code).toBe(0);
    for (const [name, spec] of Object.entries(INPUTS)) {
      expect(r.stdout).toMatch(new RegExp(`^  --${name} <[^>]+>`, 'm'));
      const shown = spec.default === '' ? '(empty)' : spec.default;
      if (!(command === 'probe' && name === 'prewarm')) expect(r.stdout.replace(/\s+/g, ' ')).toContain(`default: ${shown}`);
    }
    for (const flag of ['--json', '--quiet', '--verbose', '--help']) expect(r.stdout).toContain(flag);
    expect(r.stdout).toMatch(/Exit status:\n {2}0 .*\n {2}1 .*\n {2}2 .*\n {2}3 /);
  });

  test('status-page --help: where the page comes from and goes; it probes nothing, so it takes no input flag', async () => {
    const c = guardCase('cli-help');
    const r = await cli(c, ['status-page', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ {2}--from <file> /m);
    expect(r.stdout).toMatch(/^ {2}--out <file\|dir> /m);
    expect(r.stdout).not.toContain('--probe-timeout');
    const refused = await cli(c, ['status-page', '--probe-timeout', '3s']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('error: flag --probe-timeout does not apply to "status-page"');
  });

  test('the main help names the commands; help <command> is <command> --help', async () => {
    const c = guardCase('cli-help');
    const main = await cli(c, ['--help']);
    expect(main.code).toBe(0);
    for (const cmd of ['probe', 'warm', 'doctor', 'gitlab', 'status-page'])
      expect(main.stdout).toMatch(new RegExp(`^  ${cmd}\\s+\\S`, 'm'));
    const viaHelp = await cli(c, ['help', 'warm']);
    const viaFlag = await cli(c, ['warm', '-h']);
    expect(viaHelp.stdout).toBe(viaFlag.stdout);
    expect((await cli(c, ['--version'])).stdout).toMatch(/^go-proxy-guard \d+\.\d+\.\d+\n$/);
  });
});

describe('warm: the whole ladder from a terminal', () => {
  test('downloads the build list so a later build needs no network; writes the reports and dotenv asked for', async () => {
    const p = await labProxy();
    const dead = await labProxy({ status: 503 });
    const c = guardCase('cli-warm');
    const reports = path.join(c.lab, 'reports');
    const dotenv = path.join(c.lab, 'guard.env');
    const r = await cli(c, ['warm', '--proxies', `${p.url},${dead.url}`, ...quick, '--reports-dir', reports, '--dotenv', dotenv]);
    expect(r.code).toBe(0);
    // With --dotenv the variables go to the file, not to stdout.
    expect(r.stdout).not.toMatch(/^export /m);
    expect(readFileSync(dotenv, 'utf8')).toBe(`GOPROXY=${p.url}|direct\n`);

    const report = JSON.parse(readFileSync(path.join(reports, 'report.json'), 'utf8'));
    expect(rungs({ report })).toEqual(['proxy:ok']);
    expect(report.warm.downloaded).toHaveLength(report.warm.buildList);
    const junit = readFileSync(path.join(reports, 'junit.xml'), 'utf8');
    expect(XMLValidator.validate(junit)).toBe(true);
    expect(junit).toContain(`<testcase name="${p.url}" classname="go-proxy-guard.proxies"`);
    expect(junit).toMatch(new RegExp(`<testcase name="${dead.url.replace(/[.]/g, '\\.')}"[^>]*>\\s*<failure message="down: `));
    expect(junit).toMatch(/<testcase name="rung 1: proxy"[^>]*>\s*<system-out>/);
    expect(readFileSync(path.join(reports, 'report.md'), 'utf8')).toMatch(/go-proxy-guard: degraded/);

    const build = await c.go(['build', '-o', path.join(c.lab, 'app'), '.'], { GOPROXY: 'off' });
    expect(build.code).toBe(0);
  });

  test('no proxy, no direct: the download fails and so does the command (fail-on download-failure)', async () => {
    const dead = await labProxy({ status: 503 });
    const c = guardCase('cli-warm-fail');
    const r = await cli(c, ['--json', 'warm', '--proxies', dead.url, ...quick, '--no-direct', '--retries', '0']);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect([doc.report.verdict, doc.report.reason, doc.report.warm.ladderStep]).toEqual([
      'failed',
      expect.stringMatching(/^module download failed/),
      'failed',
    ]);
    expect(doc.gate).toEqual({
      pass: false,
      failOn: 'download-failure',
      cause: { kind: 'module-cache', state: 'incomplete' },
      reason: expect.stringMatching(/^no rung of the ladder produced a complete module cache/),
    });
  });
});

describe('doctor: the local Go setup, explained', () => {
  const doctorJson = async (c: GuardCase, args: string[] = [], env: Record<string, string | undefined> = {}) => {
    const r = await cli(c, ['doctor', '--json', ...args], env);
    const doc = JSON.parse(r.stdout);
    const check = (id: string) => doc.checks.find((x: { id: string }) => x.id === id);
    return { r, doc, check };
  };

  test('a "," chain is flagged: what "," does, why one outage fails the build, and the "|" fix', async () => {
    const p = await labProxy();
    const c = guardCase('cli-doctor-comma', { goEnv: { GOPROXY: `${p.url},direct` } });
    const { r, check } = await doctorJson(c);
    expect(r.code).toBe(0);
    expect(check('goproxy')).toMatchObject({
      status: 'warn',
      summary: `GOPROXY=${p.url},direct: "," after ${p.url} makes one outage fail the build`,
      fix: `GOPROXY='${p.url}|direct' (export it, or go env -w GOPROXY='${p.url}|direct')`,
    });
    const why = check('goproxy').details.join(' ');
    expect(why).toContain('falls through to the next entry only when the proxy answers 404 or 410');
    expect(why).toContain('One 503, 500, refused connection or reset fails the whole download');
    expect(check('go')).toMatchObject({ status: 'ok', summary: expect.stringMatching(/^go1\.\d+/) });
    // For a person: a line per check, the fix under it, the count last.
    const text = await cli(c, ['doctor']);
    expect(text.stdout).toMatch(
      new RegExp(`^warn +goproxy +GOPROXY=${p.url},direct: "," after ${p.url} makes one outage fail the build$`, 'm'),
    );
    expect(text.stdout).toMatch(/^ +fix: GOPROXY='http:\/\/127\.0\.0\.1:\d+\|direct' /m);
    expect(text.stdout).toMatch(/^doctor: 0 failures, \d+ warnings?$/m);

    const piped = guardCase('cli-doctor-pipe', { goEnv: { GOPROXY: `${p.url}|direct` } });
    expect((await doctorJson(piped)).check('goproxy')).toMatchObject({
      status: 'ok',
      summary: `GOPROXY=${p.url}|direct: every proxy falls through on any error ("|")`,
    });
  });

  test('GOPRIVATE, the checksum database through the proxies, the module cache', async () => {
    const serving = await labProxy('ok', { sumdbSupported: 200 });
    const plain = await labProxy();
    const c = guardCase('cli-doctor-private', {
      goEnv: {
        GOPROXY: `${serving.url}|${plain.url}|direct`,
        GOPRIVATE: 'example.com/beta',
        GOSUMDB: 'sum.golang.org',
        GONOSUMDB: 'example.com',
      },
    });
    const { r, check } = await doctorJson(c);
    expect(r.code).toBe(0);
    expect(check('private')).toMatchObject({ status: 'info' });
    expect(check('private').details).toEqual(
      expect.arrayContaining(['GOPRIVATE=example.com/beta', 'private (fetched with direct, never from a proxy): example.com/beta']),
    );
    expect(check('gosumdb')).toMatchObject({ status: 'ok', summary: '1 of 2 proxies serve the checksum database sum.golang.org' });
    expect(check('gosumdb').details).toEqual([
      `${serving.url}: serves sum.golang.org`,
      `${plain.url}: does not proxy sum.golang.org (HTTP 404); the go command then asks sum.golang.org itself`,
    ]);
    expect(serving.requests.map((q) => q.path)).toEqual(['/sumdb/sum.golang.org/supported']);
    expect(check('modcache').summary).toMatch(/^GOMODCACHE=.*modcache/);

    // Bypassing the proxies but not the checksum database is the classic private-module failure.
    const leaky = guardCase('cli-doctor-leak', {
      goEnv: { GOPROXY: plain.url, GONOPROXY: 'example.com/beta', GONOSUMDB: '', GOSUMDB: 'sum.golang.org' },
    });
    const { check: leakCheck } = await doctorJson(leaky);
    expect(leakCheck('private')).toMatchObject({
      status: 'warn',
      summary: 'example.com/beta bypass the proxies but are still checked against sum.golang.org, which cannot know private modules',
    });
  });

  test('vendor/: consistent is ok; inconsistent fails the doctor (exit 1) with the fix', async () => {
    const p = await labProxy();
    const c = guardCase('cli-doctor-vendor');
    await vendorProject(c.project.dir, { ...c.env, GOPROXY: p.url });
    const ok = await doctorJson(c);
    expect(ok.check('vendor')).toMatchObject({ status: 'ok' });
    expect(ok.r.code).toBe(0);

    const modules = path.join(c.project.dir, 'vendor', 'modules.txt');
    writeFileSync(modules, readFileSync(modules, 'utf8').replace('# example.com/beta v0.2.0', '# example.com/beta v0.1.0'));
    const bad = await doctorJson(c);
    expect(bad.r.code).toBe(1);
    expect(bad.check('vendor')).toMatchObject({
      status: 'fail',
      summary: 'vendor/ is inconsistent with go.mod: builds that use it fail',
      fix: 'run go mod vendor and commit vendor/',
    });
    expect(bad.check('vendor').details.join('\n')).toMatch(/inconsistent vendoring/);
  });

  test('doctor takes the same inputs and refuses the same bad values', async () => {
    const c = guardCase('cli-doctor-bad');
    const r = await cli(c, ['doctor', '--probe-timeout', 'fast']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: input "probe-timeout" must be a duration like 3s, 2500ms or 1m, got "fast"\n');
    expect(existsSync(CLI)).toBe(true);
  });
});

describe('serve: a local proxy for every go command of a shell or CI job', () => {
  test('eval the exports, go downloads through it while the first proxy fails, --stop reports what it absorbed', async () => {
    const a = await labProxy();
    // Slower at probe time, so the ranking (and the first upstream) is a, then b.
    const b = await labProxy({ slow: 300 });
    const c = guardCase('cli-serve');
    const tmp = path.join(c.lab, 'tmp');
    const reports = path.join(c.lab, 'reports');
    // One shell, as a job script: start it, wait while the first proxy turns flaky, build, stop it.
    const sync = path.join(c.lab, 'sync');
    const script = [
      `eval "$("${process.execPath}" "${CLI}" serve -q --proxies ${a.url} --proxies ${b.url} --probe-samples 1)"`,
      'echo "GOPROXY=$GOPROXY"',
      `touch "${sync}.started"`,
      `while [ ! -f "${sync}.go" ]; do sleep 0.05; done`,
      'go mod download all',
      `"${process.execPath}" "${CLI}" serve --stop --reports-dir "${reports}"`,
    ].join(' && ');
    const running = runCommand('sh', ['-c', script], { cwd: c.project.dir, env: { ...c.env, TMPDIR: tmp }, timeoutMs: 60_000 });
    while (!existsSync(`${sync}.started`)) await new Promise((r) => setTimeout(r, 50));
    await a.setFault({ failEvery: 2 });
    await b.setFault('ok');
    writeFileSync(`${sync}.go`, '');
    const shell = await running;
    expect(shell.stderr).toBe('');
    expect(shell.code).toBe(0);
    expect(shell.stdout).toMatch(
      new RegExp(
        `^GOPROXY=http://127\\.0\\.0\\.1:\\d+/[A-Za-z0-9_-]{32}\\|${a.url.replace(/[.:/]/g, '\\$&')}\\|${b.url.replace(/[.:/]/g, '\\$&')}\\|direct$`,
        'm',
      ),
    );
    // What --stop reports: every request of the go command served, the first proxy's failures absorbed.
    const stats = JSON.parse(readFileSync(path.join(reports, 'serve.json'), 'utf8'));
    expect(stats.failed).toBe(0);
    expect(stats.served).toBeGreaterThan(0);
    expect(stats.upstreams.find((u: { url: string }) => u.url === a.url).absorbed).toBeGreaterThan(0);
    expect(stats.stoppedAt).toBeDefined();
    expect(readFileSync(path.join(reports, 'serve.md'), 'utf8')).toMatch(/^### \S+ go-proxy-guard: local proxy /m);
  });

  test('the shell that started it exits: the local proxy stops by itself', async () => {
    const a = await labProxy();
    const c = guardCase('cli-serve-orphan');
    const dir = path.join(c.lab, 'serve-dir');
    // "; true" keeps sh from exec-ing node, so the shell really is the parent that goes away.
    const start = await runCommand(
      'sh',
      ['-c', `"${process.execPath}" "${CLI}" serve -q --proxies ${a.url} --probe-samples 1 --serve-dir "${dir}"; true`],
      {
        cwd: c.project.dir,
        env: { ...c.env, TMPDIR: path.join(c.lab, 'tmp') },
        timeoutMs: 60_000,
      },
    );
    expect(start.code).toBe(0);
    const handle = JSON.parse(readFileSync(path.join(dir, 'handle.json'), 'utf8'));
    // The shell has exited: the proxy must notice within a tick or two.
    const deadline = Date.now() + 5000;
    let stats: { stopReason?: string } = {};
    while (Date.now() < deadline && !stats.stopReason) {
      await new Promise((r) => setTimeout(r, 200));
      stats = existsSync(handle.statsFile) ? JSON.parse(readFileSync(handle.statsFile, 'utf8')) : {};
    }
    expect(stats.stopReason).toMatch(/job's process \d+ is gone/);
  });

  test('--stop with nothing started names the directory and exits 1', async () => {
    const c = guardCase('cli-serve-none');
    const r = await cli(c, ['serve', '--stop', '--serve-dir', path.join(c.lab, 'nothing')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no local proxy recorded in .*nothing/);
  });
});
