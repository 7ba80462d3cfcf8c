/**
 * The GitLab front door: the template checked against the INPUTS table,
 * validated against GitLab's own CI schema and run for real with
 * gitlab-ci-local (shell executor) in a throwaway repository laid out like
 * the component project, against loopback proxies; the hidden job that puts
 * a local proxy in front of later Go jobs; and the `gitlab` subcommand's
 * hand-off (dotenv, log sections, reports) up close.
 */
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { parseAllDocuments } from 'yaml';
import { COMMANDS } from '../src/cli/commands.js';
import { INPUT_CHOICES, inputEnvName, inputKind } from '../src/cli/flags.js';
import { buildConfig, SAVE_CACHE } from '../src/config/config.js';
import { INPUTS, OUTPUTS, type InputName } from '../src/config/inputs.js';
import { chainDecisions } from '../src/engine/chain-decisions.js';
import { buildChain, formatGoproxy, parseGoproxy, withoutCredentials } from '../src/goproxy/chain.js';
import { commitAll, git } from './lab/git.js';
import {
  artifactsOf,
  componentRepo,
  dotenvReport,
  envArtifact,
  gitlabCache,
  gitlabCiLocal,
  jobLog,
  jsonArtifact,
  LAB_ORIGIN,
  passedJobs,
  runPipeline,
  TEMPLATE,
} from './lab/gitlab-ci.js';
import { runCommand, runGo, vendorProject } from './lab/go.js';
import { closeLabServers, type GuardCase, guardCase, labProxy, NO_EGRESS } from './lab/guard-case.js';
import { startGitServer } from './lab/git-server.js';
import { CLI, repoRoot } from './lab/paths.js';
import { ensureLabPki } from './lab/pki.js';

afterEach(closeLabServers);

const ESC = '\x1b';

const CONSUMER = path.join(repoRoot, 'gitlab', 'test', '.gitlab-ci.yml');
const SERVE_CONSUMER = path.join(repoRoot, 'gitlab', 'test', 'serve.gitlab-ci.yml');
const BUILD_CACHE_CONSUMER = path.join(repoRoot, 'gitlab', 'test', 'build-cache.gitlab-ci.yml');
const VENDOR_CONSUMER = path.join(repoRoot, 'gitlab', 'test', 'vendor.gitlab-ci.yml');
const RELEASE_CONSUMER = path.join(repoRoot, 'gitlab', 'test', 'release-engine.gitlab-ci.yml');

/** Inputs only the GitLab job has: where it runs and how it gets Node.js and the engine. */
const GITLAB_ONLY = ['stage', 'job-name', 'image', 'node-version', 'node-mirror', 'engine', 'engine-project', 'engine-sha256'];
/**
 * Inputs whose meaning GitLab shapes, so their description says how: the cache ones (GitLab's own cache:
 * keyword) and the serve ones (the hidden job .<job-name>-serve, since the guard job's processes end with it).
 */
const GITLAB_MEANING: InputName[] = [
  'cache',
  'cache-key-prefix',
  'save-cache',
  'build-cache',
  'serve',
  'serve-idle-timeout',
  'serve-request-timeout',
  // GitLab's CI/CD variables, not GitHub's vars. context.
  'override',
];
/** The report directory of the hidden job's after_script (serve --stop --reports-dir). */
const SERVE_REPORTS_DIR = 'go-proxy-guard-serve-report';

interface ScriptJob {
  variables: Record<string, string>;
  before_script: string[];
  script: string[];
  after_script: string[];
  artifacts: { when?: string; paths: string[] };
}

interface SpecInput {
  type?: string;
  default?: unknown;
  description?: string;
  options?: unknown[];
  regex?: string;
}

function readTemplate(file = TEMPLATE) {
  const text = readFileSync(file, 'utf8');
  const docs = parseAllDocuments(text);
  expect(docs.map((d) => d.errors)).toEqual([[], []]);
  const spec = (docs[0]!.toJSON() as { spec: { inputs: Record<string, SpecInput> } }).spec.inputs;
  const jobs = docs[1]!.toJSON() as Record<
    string,
    {
      variables: Record<string, string>;
      artifacts: { paths: string[]; reports: Record<string, string> };
      cache: { key: unknown; paths: string[]; policy?: string }[];
    }
  >;
  return {
    text,
    spec,
    jobs,
    job: Object.values(jobs)[0]!,
    /** The guard job's script, its steps as GitLab runs them. */
    script: (Object.values(jobs)[0]! as unknown as ScriptJob).script,
    /** The hidden job later Go jobs extend. */
    serveJob: (jobs as unknown as Record<string, ScriptJob>)['.$[[ inputs.job-name ]]-serve']!,
  };
}

/** The guard job's shell functions that get Node.js and the engine (one block, shared with the serve job). */
const setupStep = (script: string[]) => script.find((s) => s.includes('gpg_get_engine()'))!;

describe('the template mirrors the INPUTS table', () => {
  test('every input is a spec input with the same default, type, choices and description', () => {
    const { spec } = readTemplate();
    for (const [name, want] of Object.entries(INPUTS) as [InputName, (typeof INPUTS)[InputName]][]) {
      const got = spec[name];
      expect([name, got === undefined]).toEqual([name, false]);
      expect([name, String(got!.default)]).toEqual([name, want.default]);
      const kind = inputKind(name);
      expect([name, got!.type]).toEqual([name, kind === 'boolean' ? 'boolean' : kind === 'number' ? 'number' : 'string']);
      expect([name, got!.options]).toEqual([name, INPUT_CHOICES[name] ? [...INPUT_CHOICES[name]!] : undefined]);
      if (kind === 'duration') expect(new RegExp(got!.regex!).test(want.default)).toBe(true);
      if (!GITLAB_MEANING.includes(name)) expect([name, got!.description]).toEqual([name, want.description]);
      else expect(got!.description).toMatch(/GitLab/);
    }
  });

  test('and nothing else but the GitLab-only inputs; every one is used, and reaches the CLI as GPG_<NAME>', () => {
    const { text, spec, job } = readTemplate();
    expect(Object.keys(spec).sort()).toEqual([...Object.keys(INPUTS), ...GITLAB_ONLY].sort());
    const used = new Set([...text.matchAll(/\$\[\[ inputs\.([a-z0-9-]+) \]\]/g)].map((m) => m[1]));
    expect([...used].sort()).toEqual(Object.keys(spec).sort());
    for (const name of Object.keys(INPUTS) as InputName[])
      expect([name, job.variables[inputEnvName(name)]]).toEqual([name, `$[[ inputs.${name} ]]`]);
    for (const choice of SAVE_CACHE) {
      expect(job.variables[`GPG_CACHE_POLICY_${choice}`]).toMatch(/^(pull|pull-push)$/);
      expect(job.variables[`GPG_LATEST_POLICY_${choice}`]).toMatch(/^(pull|push)$/);
    }
  });

  test('the files the job hands over are where the gitlab subcommand writes them', () => {
    const { job } = readTemplate();
    const option = (name: string) => COMMANDS.gitlab.options.find((o) => o.name === name)!;
    for (const name of ['dotenv', 'reports-dir', 'state-file']) expect(job.variables[option(name).env!]).toBe(option(name).default);
    expect(job.artifacts.reports.dotenv).toBe(option('dotenv').default);
    expect(job.artifacts.reports.junit).toBe(`${option('reports-dir').default}/junit.xml`);
    expect(job.artifacts.paths).toEqual([`${option('reports-dir').default}/`]);
    expect(job.cache.map((c) => [c.paths, c.policy ?? null])).toEqual([
      // The engine bundle, keyed on the version: checked against the pinned SHA-256 on every use.
      [['.go-proxy-guard/engine-cache/'], null],
      [['.go-proxy-guard/state/'], null],
      [['.go/pkg/mod/cache/download'], '$GPG_CACHE_POLICY_$[[ inputs.save-cache ]]'],
      [['.go/pkg/mod/cache/download'], '$GPG_LATEST_POLICY_$[[ inputs.save-cache ]]'],
    ]);
    expect(job.cache[0]!.key).toBe('$[[ inputs.cache-key-prefix ]]-engine-$GPG_ENGINE_VERSION');
  });

  test("the repository's template pins no engine bundle: the release pipeline writes the pins into the tag it releases", () => {
    const { text } = readTemplate();
    expect(text.match(/^ {6}gpg_pinned_(x64|arm64)=.*$/gm)).toEqual(['      gpg_pinned_x64=""', '      gpg_pinned_arm64=""']);
  });

  test('docs/inputs.md documents every input with its default, the GitLab-only ones and the GitLab meanings marked; gitlab/README.md every output', () => {
    const doc = readFileSync(path.join(repoRoot, 'docs', 'inputs.md'), 'utf8');
    const rows = new Map(
      [...doc.matchAll(/^\| `([a-z0-9-]+)` \| ([^|]*) \| (.*) \|$/gm)].map((m) => [m[1]!, { shown: m[2]!, meaning: m[3]!, at: m.index }]),
    );
    const gitlabOnly = doc.indexOf('\n## GitLab only');
    const { spec } = readTemplate();
    expect([...rows.keys()].sort()).toEqual(Object.keys(spec).sort());
    for (const [name, input] of Object.entries(spec)) {
      const row = rows.get(name)!;
      expect([name, row.shown]).toEqual([name, String(input.default) === '' ? '_(empty)_' : `\`${input.default}\``]);
      expect([name, row.at > gitlabOnly]).toEqual([name, GITLAB_ONLY.includes(name)]);
      expect([name, row.meaning.includes('**GitLab:**')]).toEqual([name, GITLAB_MEANING.includes(name as InputName)]);
      // What the job does with it: the spec's own description (code ticks aside), as the note or the whole meaning.
      const onGitlab = row.meaning.split(' **GitLab:** ').pop()!.replace(/`/g, '');
      expect([name, onGitlab]).toEqual([name, input.description!.replace(/`/g, '').replace(/\|/g, '\\|')]);
    }
    const readme = readFileSync(path.join(repoRoot, 'gitlab', 'README.md'), 'utf8');
    for (const name of Object.keys(OUTPUTS)) expect(readme).toContain(`GO_PROXY_GUARD_${name.toUpperCase().replace(/-/g, '_')}`);
  });
});

/** An HTTPS server on loopback with the lab's certificate (127.0.0.1 and localhost; the jobs trust the lab CA). */
async function httpsServer(handler: http.RequestListener): Promise<{ port: number; close: () => Promise<void> }> {
  const pki = ensureLabPki();
  const server = https.createServer({ cert: readFileSync(pki.server.cert), key: readFileSync(pki.server.key) }, handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** curl (the jobs' downloader) trusts the lab CA only. */
const CURL_TRUST = () => ({ CURL_CA_BUNDLE: ensureLabPki().caCert });

/** dist/cli/index.js over loopback HTTPS, as a release download would serve it. */
async function serveEngine(): Promise<{ url: string; sha256: string; hits: string[]; close: () => Promise<void> }> {
  const body = readFileSync(CLI);
  const hits: string[] = [];
  const server = await httpsServer((req, res) => {
    hits.push(req.url ?? '');
    if (req.url !== '/lab/go-proxy-guard/-/raw/v1/dist/cli/index.js') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/javascript' }).end(body);
  });
  return {
    url: `https://127.0.0.1:${server.port}/lab/go-proxy-guard/-/raw/v1/dist/cli/index.js`,
    sha256: createHash('sha256').update(body).digest('hex'),
    hits,
    close: server.close,
  };
}

/** Whether a process runs (a zombie nobody reaped counts as gone). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^\S+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('a pipeline that includes the template, run by gitlab-ci-local', () => {
  test('both include styles run green against the lab proxies; later jobs get GOPROXY through dotenv', async () => {
    const ok = await labProxy();
    const dead = await labProxy({ status: 503 });
    const engine = await serveEngine();
    const c = guardCase('gitlab-pipeline');
    const repo = c.project.dir;
    componentRepo(repo, { file: CONSUMER });
    await commitAll(repo, { remote: LAB_ORIGIN });
    const variables = { LAB_PROXY_URL: ok.url, LAB_DEAD_PROXY_URL: dead.url, LAB_ENGINE_URL: engine.url, LAB_ENGINE_SHA256: engine.sha256 };
    const pipeline = () => runPipeline(repo, c.lab, variables, { ...c.env, ...CURL_TRUST() });
    const report = () => jsonArtifact(repo, 'go-proxy-guard', 'go-proxy-guard-report', 'report.json');
    try {
      const r = await pipeline();
      expect(r.out).toMatch(/json schema validated/);
      expect(passedJobs(r.out).sort()).toEqual(['build', 'from-component', 'go-proxy-guard', 'guard-from-component']);
      expect(r.code).toBe(0);

      // include: local: the engine from the checkout ran (on the image's Node.js: no mirror is reachable) and wrote
      // its report; the dead proxy left out.
      const guard = jobLog(r.out, 'go-proxy-guard');
      // gitlab-ci-local reads the section markers as GitLab does (and prints them its own way).
      expect(guard).toEqual(expect.arrayContaining([expect.stringMatching(/^go-proxy-guard_\d+_probing_go_module_proxies_started$/)]));
      // No post step on GitLab: the module cache is pruned to the build list before GitLab's cache: saves it.
      expect(guard).toEqual(expect.arrayContaining([expect.stringMatching(/^> cache: pruned to the build list: kept \d+ files/)]));
      const first = report();
      expect([first.verdict, first.healthyCount, first.goproxy, first.warm.ladderStep]).toEqual([
        'degraded',
        1,
        `${ok.url}|direct`,
        'proxy',
      ]);
      // The later jobs got GOPROXY and the outputs through the dotenv report, and built with them.
      expect(envArtifact(repo, 'build', 'received.env')).toMatchObject({
        GOPROXY: `${ok.url}|direct`,
        GO_PROXY_GUARD_VERDICT: 'degraded',
        GO_PROXY_GUARD_HEALTHY_COUNT: '1',
      });
      // include: component: the engine downloaded from its release URL (and checked against its hash: the job passed).
      expect(engine.hits).toEqual([new URL(engine.url).pathname]);
      expect(envArtifact(repo, 'from-component', 'received.env').GOPROXY).toBe(`${ok.url}|direct`);

      // Artifacts: the dotenv report, JUnit, Markdown and JSON reports.
      const dotenv = dotenvReport(repo, 'go-proxy-guard', 'go-proxy-guard.env');
      expect([dotenv.GOPROXY, dotenv.GO_PROXY_GUARD_LADDER_STEP]).toEqual([`${ok.url}|direct`, 'proxy']);
      const junit = readFileSync(artifactsOf(repo, 'go-proxy-guard', 'go-proxy-guard-report', 'junit.xml'), 'utf8');
      expect(XMLValidator.validate(junit)).toBe(true);
      expect(junit).toContain(`<testcase name="${dead.url}" classname="go-proxy-guard.proxies"`);
      const summary = readFileSync(artifactsOf(repo, 'go-proxy-guard', 'go-proxy-guard-report', 'report.md'), 'utf8');
      expect(summary).toMatch(/go-proxy-guard: degraded/);
      // Its docs links go to the component's project on this GitLab (the template's engine-project, here its default).
      const docs = [...summary.matchAll(/\]\((https?:\/\/[^)]*#[^)]*)\)/g)].map((m) => m[1]!);
      expect(docs).toContain(
        'https://gitlab.example.invalid/go-proxy-guard/go-proxy-guard/-/blob/HEAD/docs/probing.md#probing-and-the-health-score',
      );
      expect(docs.filter((l) => !l.startsWith('https://gitlab.example.invalid/go-proxy-guard/go-proxy-guard/-/blob/HEAD/docs/'))).toEqual(
        [],
      );
      expect(
        JSON.parse(readFileSync(artifactsOf(repo, 'go-proxy-guard', 'go-proxy-guard-report', 'report.json'), 'utf8')).warm.ladderStep,
      ).toBe('proxy');

      // GitLab's cache: the module downloads under the go.sum key and the stable fallback key, and the state.
      const caches = readdirSync(path.join(repo, '.gitlab-ci-local', 'cache'));
      expect(caches).toEqual(
        expect.arrayContaining([
          'go-proxy-guard-gomod-latest',
          'go-proxy-guard-state-go-proxy-guard',
          expect.stringMatching(/go-proxy-guard-gomod-[0-9a-f]{8,}$/),
        ]),
      );
      const zip = ['.go', 'pkg', 'mod', 'cache', 'download', 'example.com', 'beta', '@v', 'v0.2.0.zip'];
      expect(existsSync(gitlabCache(repo, 'go-proxy-guard-gomod-latest', ...zip))).toBe(true);

      // The next pipeline, every proxy down: fail-on unhealthy stops it before the build job runs.
      // GitLab's cache brought the modules back and the state remembers the first run.
      await ok.setFault({ status: 503 });
      const down = await pipeline();
      expect(down.code).not.toBe(0);
      expect(down.out).toMatch(/FAIL +go-proxy-guard\b/);
      expect(passedJobs(down.out)).toEqual([]);
      const state = JSON.parse(
        readFileSync(gitlabCache(repo, 'go-proxy-guard-state-go-proxy-guard', '.go-proxy-guard', 'state', 'state.json'), 'utf8'),
      );
      expect(state.history.map((h: { verdict: string }) => h.verdict)).toEqual(['degraded', 'degraded']);
      // The modules came from GitLab's cache: the engine finds them on disk and credits the cache rung; no proxy
      // reached min-score, which fail-on unhealthy fails.
      const second = report();
      expect([second.healthyCount, second.warm.ladderStep, second.warm.downloaded, second.warm.cacheHit]).toEqual([
        0,
        'cache',
        [],
        'exact',
      ]);
    } finally {
      await engine.close();
    }
  }, 120_000);

  test('a later job that extends .go-proxy-guard-serve downloads through its own local proxy; after_script reports what it did', async () => {
    const ok = await labProxy();
    const c = guardCase('gitlab-serve');
    const repo = c.project.dir;
    componentRepo(repo, { file: SERVE_CONSUMER });
    await commitAll(repo);
    // The local proxy keeps its handle in the temp directory (one per CI job): here, one of the lab's.
    const tmp = path.join(c.lab, 'tmp');
    mkdirSync(tmp, { recursive: true });
    const r = await runPipeline(repo, c.lab, { LAB_PROXY_URL: ok.url }, { ...c.env, TMPDIR: tmp });
    expect(r.out).toMatch(/json schema validated/);
    expect(passedJobs(r.out).sort()).toEqual(['build-behind-local-proxy', 'go-proxy-guard']);
    expect(r.code).toBe(0);

    // The script's go commands used the local proxy, in front of the ranked chain that came through dotenv.
    const build = jobLog(r.out, 'build-behind-local-proxy');
    const goproxy = build.find((l) => l.startsWith('> GOPROXY='))!;
    const [, withToken, local] = /^> GOPROXY=((http:\/\/127\.0\.0\.1:\d+)\/[A-Za-z0-9_-]{32})\|/.exec(goproxy) ?? [];
    expect(goproxy).toBe(`> GOPROXY=${withToken}|${ok.url}|direct`);
    // The template's own line shows it without its access token.
    expect(build).toContain(`> go-proxy-guard: GOPROXY starts with the local proxy ${local}, in front of the ranked chain`);
    expect(ok.hits('.zip').length).toBeGreaterThan(0);

    // after_script (a new shell) stopped it and kept its report as an artifact: every request served, none failed.
    const reports = artifactsOf(repo, 'build-behind-local-proxy', SERVE_REPORTS_DIR);
    expect(readdirSync(reports).sort()).toEqual(['serve.json', 'serve.md']);
    const stats = JSON.parse(readFileSync(path.join(reports, 'serve.json'), 'utf8'));
    expect([stats.url, stats.failed, stats.upstreams.map((u: { url: string }) => u.url)]).toEqual([local, 0, [ok.url]]);
    expect(stats.served).toBeGreaterThan(0);
    expect(stats.stoppedAt).toBeDefined();
    expect(alive(stats.pid)).toBe(false);
    const serveMd = readFileSync(path.join(reports, 'serve.md'), 'utf8');
    expect(serveMd).toMatch(/^### \S+ go-proxy-guard: local proxy /m);
    // after_script's summary links to the component's project on this GitLab too.
    expect(serveMd).toMatch(
      /\[hedge\]\(https:\/\/[^/)]+\/go-proxy-guard\/go-proxy-guard\/-\/blob\/HEAD\/docs\/local-proxy\.md#the-local-proxy-serve\)/,
    );
    expect(serveMd).not.toContain('github.com');
  }, 120_000);

  test('a run saved by vendor/ ends with the vendor verdict, a dotenv GitLab reads, and a later job builds with it', async () => {
    const dead = await labProxy({ status: 503 });
    const ok = await labProxy();
    const c = guardCase('gitlab-vendor');
    const repo = c.project.dir;
    await vendorProject(repo, { ...c.env, GOPROXY: ok.url });
    componentRepo(repo, { file: VENDOR_CONSUMER });
    await commitAll(repo);
    const r = await runPipeline(repo, c.lab, { LAB_DEAD_PROXY_URL: dead.url }, c.env);
    expect(passedJobs(r.out).sort()).toEqual(['build-from-vendor', 'go-proxy-guard']);
    expect(r.code).toBe(0);
    const report = jsonArtifact(repo, 'go-proxy-guard', 'go-proxy-guard-report', 'report.json');
    expect([report.warm.ladderStep, report.warm.goflags]).toEqual(['vendor', '-mod=vendor']);
    // GitLab reads a dotenv report line by line: NAME=value, nothing that spans lines.
    const dotenvFile = artifactsOf(repo, 'go-proxy-guard', '.gitlab-ci-reports', 'dotenv', 'go-proxy-guard.env');
    expect(
      readFileSync(dotenvFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .every((l) => /^[A-Za-z_][A-Za-z0-9_]*=[^\r]*$/.test(l)),
    ).toBe(true);
    expect(dotenvReport(repo, 'go-proxy-guard', 'go-proxy-guard.env')).toMatchObject({
      GOFLAGS: '-modcacherw -mod=vendor',
      GO_PROXY_GUARD_LADDER_STEP: 'vendor',
      GO_PROXY_GUARD_VERDICT: report.verdict,
    });
    // The build job got them, and built from vendor/ (it passed).
    expect(envArtifact(repo, 'build-from-vendor', 'received.env')).toMatchObject({
      GOFLAGS: '-modcacherw -mod=vendor',
      GO_PROXY_GUARD_LADDER_STEP: 'vendor',
    });
  }, 120_000);

  test('typed inputs are enforced when the pipeline is created', async () => {
    const c = guardCase('gitlab-typed');
    const repo = c.project.dir;
    componentRepo(repo, {
      text: 'include:\n  - local: templates/go-proxy-guard.yml\n    inputs:\n      fail-on: sometimes\nbuild:\n  stage: build\n  script: [go build]\nstages: [build]\n',
    });
    await commitAll(repo);
    const r = await gitlabCiLocal(repo, c.lab, ['--preview'], c.env, 30_000);
    expect(r.code).not.toBe(0);
    // The error names the input and the value.
    expect(r.stdout + r.stderr).toMatch(/fail-on.*sometimes|sometimes.*fail-on/s);
  }, 60_000);
});

describe('Node.js for the engine', () => {
  /** The job's Node.js steps (the functions, then the call), run by dash with a PATH that has everything it uses but node. */
  async function nodeStep(lab: string, mirror: string) {
    const { script } = readTemplate();
    const step = [setupStep(script), 'gpg_get_node'].join('\n');
    const bin = path.join(lab, 'bin-without-node');
    mkdirSync(bin, { recursive: true });
    for (const tool of [
      'awk',
      'grep',
      'sed',
      'tr',
      'cut',
      'date',
      'sleep',
      'tar',
      'gzip',
      'sha256sum',
      'uname',
      'mkdir',
      'mktemp',
      'rm',
      'curl',
      'cat',
    ]) {
      const found = (await runCommand('sh', ['-c', `command -v ${tool}`], { env: { PATH: process.env.PATH } })).stdout.trim();
      symlinkSync(found, path.join(bin, tool));
    }
    const work = path.join(lab, 'job');
    mkdirSync(work, { recursive: true });
    return runCommand('/bin/sh', ['-e', '-c', `${step}\necho "now $(node --version)"`], {
      cwd: work,
      env: { PATH: bin, GPG_NODE_VERSION: '20', GPG_NODE_MIRROR: mirror, ...NO_EGRESS, ...CURL_TRUST() },
      timeoutMs: 30_000,
    });
  }

  /** A nodejs.org/dist-like mirror whose linux-x64 "build" is a wrapper around the node running the tests. */
  async function nodeMirror(lab: string, opts: { tamper?: boolean; extra?: string[] } = {}) {
    const name = 'node-v20.99.0-linux-x64';
    const root = path.join(lab, 'mirror-src', name, 'bin');
    mkdirSync(root, { recursive: true });
    writeFileSync(path.join(root, 'node'), `#!/bin/sh\nexec "${process.execPath}" "$@"\n`, { mode: 0o755 });
    const tarball = path.join(lab, `${name}.tar.gz`);
    await runCommand('tar', ['-czf', tarball, '-C', path.join(lab, 'mirror-src'), name]);
    const body = readFileSync(tarball);
    const sha = createHash('sha256')
      .update(opts.tamper ? Buffer.from('something else') : body)
      .digest('hex');
    const sums =
      [
        ...(opts.extra ?? []),
        `${'0'.repeat(64)}  node-v20.99.0-darwin-x64.tar.gz`,
        `${sha}  ${name}.tar.gz`,
        `${'1'.repeat(64)}  ${name}.tar.xz`,
      ].join('\n') + '\n';
    const hits: string[] = [];
    const server = await httpsServer((req, res) => {
      hits.push(req.url ?? '');
      if (req.url === '/dist/latest-v20.x/SHASUMS256.txt') return void res.end(sums);
      if (req.url === `/dist/latest-v20.x/${name}.tar.gz`) return void res.end(body);
      res.writeHead(404).end();
    });
    return { url: `https://127.0.0.1:${server.port}/dist`, hits, close: server.close };
  }

  test("an image without Node.js gets the mirror's build, checked against SHASUMS256.txt", async () => {
    if (process.arch !== 'x64') return; // the lab mirror serves linux-x64 only
    const c = guardCase('gitlab-node');
    // A line naming a path, not a file, is no candidate: it never becomes part of a download path.
    const mirror = await nodeMirror(c.lab, { extra: [`${'2'.repeat(64)}  node-v20.99.0-x/../../../linux-x64.tar.gz`] });
    try {
      const r = await nodeStep(c.lab, mirror.url);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(
        `go-proxy-guard: the image has no Node.js 20+; installing Node.js 20 from ${mirror.url} for this job\nnow ${process.version}\n`,
      );
      expect(mirror.hits).toEqual(['/dist/latest-v20.x/SHASUMS256.txt', '/dist/latest-v20.x/node-v20.99.0-linux-x64.tar.gz']);
    } finally {
      await mirror.close();
    }
  });

  test('a download that does not match its checksum stops the job', async () => {
    if (process.arch !== 'x64') return;
    const c = guardCase('gitlab-node-bad');
    const mirror = await nodeMirror(c.lab, { tamper: true });
    try {
      const r = await nodeStep(c.lab, mirror.url);
      expect(r.code).toBe(3);
      expect(r.stderr).toBe('go-proxy-guard: node-v20.99.0-linux-x64.tar.gz does not match its line in SHASUMS256.txt\n');
      expect(r.stdout).not.toContain('now v');
      expect(existsSync(path.join(c.lab, 'job', '.go-proxy-guard', 'node', 'bin'))).toBe(false);
    } finally {
      await mirror.close();
    }
  });
});

describe('the engine the job runs', () => {
  /** The functions, then the engine run as the guard job gets it. */
  const engineStep = () => [setupStep(readTemplate().script), 'gpg_get_engine || exit $?', 'gpg_engine'].join('\n');
  const run = (cwd: string, env: Record<string, string>) =>
    runCommand('/bin/sh', ['-e', '-c', engineStep()], { cwd, env: { PATH: process.env.PATH, ...NO_EGRESS, ...env }, timeoutMs: 30_000 });

  test('is refused when it does not match engine-sha256, and named when it is missing', async () => {
    const c = guardCase('gitlab-engine');
    writeFileSync(path.join(c.lab, 'engine.js'), 'console.log("ran")\n');
    const mismatch = await run(c.lab, { GPG_ENGINE: 'engine.js', GPG_ENGINE_SHA256: '0'.repeat(64) });
    expect([mismatch.code, mismatch.stdout, mismatch.stderr]).toEqual([3, '', 'go-proxy-guard: engine.js does not match engine-sha256\n']);
    const sha = createHash('sha256')
      .update(readFileSync(path.join(c.lab, 'engine.js')))
      .digest('hex');
    const match = await run(c.lab, { GPG_ENGINE: 'engine.js', GPG_ENGINE_SHA256: sha });
    expect([match.code, match.stdout]).toEqual([0, `go-proxy-guard: using Node.js ${process.version} from the image\nran\n`]);
    const missing = await run(c.lab, { GPG_ENGINE: 'dist/cli/index.js', GPG_ENGINE_SHA256: '' });
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/^go-proxy-guard: no engine at dist\/cli\/index\.js\. Set the engine input/);
  });
});

describe('the hidden job .go-proxy-guard-serve', () => {
  test("gets Node.js and the engine with the guard job's own code, from the same inputs, and keeps its report", () => {
    const { text, script, job, serveJob } = readTemplate();
    // One copy of the shell code: a YAML anchor, in both of the serve job's shells.
    expect(text.match(/gpg_get_node\(\) \{/g)).toHaveLength(1);
    expect(serveJob.before_script[0]).toBe(setupStep(script));
    expect(serveJob.after_script[0]).toBe(setupStep(script));
    // Its variables are the guard job's, for what serve reads: Node.js, the engine, the candidates and how they are ranked.
    for (const [name, value] of Object.entries(serveJob.variables)) expect([name, value]).toEqual([name, job.variables[name]]);
    const used = Object.keys(serveJob.variables).sort();
    const serveNeeds = [
      'node-version',
      'node-mirror',
      'engine',
      'engine-project',
      'engine-version',
      'engine-sha256',
      'serve',
      'serve-idle-timeout',
      'serve-request-timeout',
      'proxies',
      'working-directory',
      'probe-timeout',
      'probe-samples',
      'probe-modules',
      'min-score',
      'fallback',
      'direct',
      'score-weights',
      'score-thresholds',
      'retries',
      'build-cache',
    ];
    const policies = SAVE_CACHE.flatMap((c) => [`GPG_CACHE_POLICY_${c}`, `GPG_LATEST_POLICY_${c}`]);
    expect(used).toEqual([...serveNeeds.map((n) => `GPG_${n.toUpperCase().replace(/-/g, '_')}`), ...policies].sort());
    for (const name of serveNeeds.filter((n): n is InputName => n in INPUTS))
      expect(serveJob.variables[inputEnvName(name)]).toBe(`$[[ inputs.${name} ]]`);
    // The guard job gates and alerts; the serve job only serves.
    expect(serveJob.before_script[1]).toContain('serve -q --fail-on never --alert-on never');
    expect(serveJob.after_script[1]).toContain(`serve --stop --reports-dir ${SERVE_REPORTS_DIR}`);
    expect(serveJob.artifacts).toEqual({ when: 'always', paths: [`${SERVE_REPORTS_DIR}/`] });
    // Other containers: it needs nothing itself (the job that extends it says what it needs); it caches the build cache.
    expect(Object.keys(serveJob).sort()).toEqual(['after_script', 'artifacts', 'before_script', 'cache', 'variables']);
    // The engine bundle under the guard job's key: one download per runner.
    const caches = (j: unknown) => (j as { cache: { key: unknown; paths: string[]; policy?: string }[] }).cache;
    expect(caches(serveJob).map((c) => [c.paths, c.policy ?? null])).toEqual([
      [['.go-proxy-guard/engine-cache/'], null],
      [['.go/build-cache/'], '$GPG_CACHE_POLICY_$[[ inputs.save-cache ]]'],
      [['.go/build-cache/'], '$GPG_LATEST_POLICY_$[[ inputs.save-cache ]]'],
    ]);
    expect(caches(serveJob)[0]).toEqual(caches(job)[0]);
  });

  /** The hidden job's before_script (then after_script) in one POSIX sh, as a runner without bash runs them. */
  async function serveShells(lab: string, env: Record<string, string>) {
    const { serveJob } = readTemplate();
    const sh = (steps: string[], tail: string) =>
      runCommand('/bin/sh', ['-e', '-c', [...steps, tail].join('\n')], { cwd: lab, env, timeoutMs: 60_000 });
    const before = await sh(serveJob.before_script, 'echo "GOPROXY=$GOPROXY"');
    const after = await sh(serveJob.after_script, 'echo "after_script done"');
    return { before, after };
  }

  test("the build cache GitLab restored: a job's go test reuses it, and after_script drops the entries the job did not use but small recent ones", async () => {
    const p = await labProxy();
    const c = guardCase('gitlab-build-cache');
    writeFileSync(
      path.join(c.project.dir, 'main_test.go'),
      'package main\n\nimport "testing"\n\nfunc TestMain0(t *testing.T) { main() }\n',
    );
    const cwd = c.project.dir;
    const gocache = path.join(cwd, '.go', 'build-cache');
    const env = { ...c.env, GOPROXY: p.url, GOFLAGS: '-modcacherw', GPG_SERVE: 'false', GPG_BUILD_CACHE: 'true' };
    const count = () =>
      readdirSync(gocache)
        .filter((d) => /^[0-9a-f]{2}$/.test(d))
        .reduce((n, d) => n + readdirSync(path.join(gocache, d)).length, 0);
    const { serveJob } = readTemplate();
    const sh = (steps: string[], tail: string) =>
      runCommand('/bin/sh', ['-e', '-c', [...steps, tail].join('\n')], { cwd, env, timeoutMs: 120_000 });
    // What an earlier pipeline left in GitLab's cache: the cache of the project when it had one more package, a
    // large one (its compiled archive is well over the 64 KiB a small entry may have).
    const large = Array.from({ length: 1500 }, (_, i) => `func X${i}(x int) int { return x * ${i + 1} }\n`).join('');
    mkdirSync(path.join(cwd, 'extra'), { recursive: true });
    writeFileSync(path.join(cwd, 'extra', 'extra.go'), `package extra\n\n${large}`);
    const first = await sh(serveJob.before_script, 'go test ./... && rm -r extra');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`go-proxy-guard: GOCACHE=${gocache}`);
    const restored = count();
    // This job: the same test, from the cache, then after_script (a new shell) before GitLab saves.
    const job = await sh(serveJob.before_script, 'go test ./...');
    expect(job.stdout).toMatch(/^ok\s+lab\.example\/project\s+\(cached\)$/m);
    const after = await sh(serveJob.after_script, 'true');
    expect(after.code).toBe(0);
    const m =
      /build cache: kept (\d+) entries this job used or wrote and (\d+) small restored ones it may want again, dropped (\d+)$/m.exec(
        after.stdout,
      );
    expect(Number(m?.[3])).toBeGreaterThan(0);
    // The earlier pipeline's small entries (its test results, vet facts) fit in a tenth of what this job used.
    expect(Number(m?.[2])).toBeGreaterThan(0);
    // Every restored entry is kept or dropped; the job's own new entries (its test run) are kept too.
    expect(Number(m?.[1]) + Number(m?.[2]) + Number(m?.[3])).toBeGreaterThanOrEqual(restored);
    expect(count()).toBe(Number(m?.[1]) + Number(m?.[2]));
    // No large entry is kept unless this job used it: the large package's archive is gone.
    const sizes = readdirSync(gocache)
      .filter((d) => /^[0-9a-f]{2}$/.test(d))
      .flatMap((d) => readdirSync(path.join(gocache, d)).map((f) => statSync(path.join(gocache, d, f))));
    const mark = statSync(path.join(cwd, '.go-proxy-guard', 'build-cache.mark')).mtimeMs;
    expect(sizes.filter((st) => st.size > 65536 && st.mtimeMs < mark - 1000)).toEqual([]);
    // What is left still serves the job: the test result is still cached.
    const again = await sh(serveJob.before_script, 'go test ./...');
    expect(again.stdout).toMatch(/\(cached\)/);
  }, 120_000);

  /**
   * What an earlier pipeline could leave in GitLab's cache of .go/build-cache besides go's own entries: names that
   * are shell syntax, blanks, newlines, a directory where an entry should be, and an entry that is a symlink out
   * of the cache. Each hostile name would create PWNED (in the job's directory) if a shell ever ran it.
   * Returns what must be gone afterwards.
   */
  const HOSTILE_ENTRIES = ['00/$(>PWNED)-a', '0a/`>PWNED`-d', '0b/x;>PWNED;-a', '0c/a\n>PWNED\n-d', "0e/'-a", '09/x y-a'];
  function plantHostileEntries(gocache: string, outside: string): string[] {
    for (const f of HOSTILE_ENTRIES) {
      mkdirSync(path.join(gocache, path.dirname(f)), { recursive: true });
      writeFileSync(path.join(gocache, f), '');
    }
    const dirEntry = `0f/${'f'.repeat(64)}-a`;
    mkdirSync(path.join(gocache, dirEntry), { recursive: true });
    writeFileSync(path.join(gocache, dirEntry, 'x'), '');
    // An entry that is a symlink to a go-shaped file outside the cache: the link goes, the file is never touched.
    const link = `0d/${'e'.repeat(64)}-a`;
    mkdirSync(outside, { recursive: true });
    writeFileSync(path.join(outside, `${'e'.repeat(64)}-a`), 'outside\n');
    mkdirSync(path.join(gocache, '0d'), { recursive: true });
    symlinkSync(path.join(outside, `${'e'.repeat(64)}-a`), path.join(gocache, link));
    return [...HOSTILE_ENTRIES, dirEntry, link];
  }
  const pwned = (dir: string): string[] =>
    readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => path.basename(f) === 'PWNED');
  const goEntryCount = (gocache: string) =>
    readdirSync(gocache)
      .filter((d) => /^[0-9a-f]{2}$/.test(d))
      .reduce((n, d) => n + readdirSync(path.join(gocache, d)).filter((f) => /^[0-9a-f]{64}-[ad]$/.test(f)).length, 0);

  test("hostile names in the restored build cache are data: under busybox sh nothing runs, they are removed, go's entries kept", async () => {
    const c = guardCase('gitlab-build-cache-hostile', { requires: [] });
    const cwd = c.project.dir;
    const gocache = path.join(cwd, '.go', 'build-cache');
    // A busybox image: its applets, and go.
    const which = async (tool: string) =>
      (await runCommand('sh', ['-c', `command -v ${tool}`], { env: { PATH: process.env.PATH } })).stdout.trim();
    const bin = path.join(c.lab, 'bin-busybox');
    mkdirSync(bin, { recursive: true });
    const busybox = await which('busybox');
    expect(busybox).not.toBe('');
    for (const applet of (await runCommand(busybox, ['--list'], { env: {} })).stdout.split('\n').filter(Boolean))
      symlinkSync(busybox, path.join(bin, applet));
    symlinkSync(await which('go'), path.join(bin, 'go'));
    const env = { ...c.env, PATH: bin, GPG_SERVE: 'false', GPG_BUILD_CACHE: 'true' };
    const { serveJob } = readTemplate();
    const sh = (steps: string[], tail: string) =>
      runCommand(path.join(bin, 'sh'), ['-e', '-c', [...steps, tail].join('\n')], { cwd, env, timeoutMs: 120_000 });
    // An earlier job filled the cache; then someone added hostile entries to it.
    expect((await sh(serveJob.before_script, 'go build -o app .')).code).toBe(0);
    const outside = path.join(c.lab, 'outside-the-cache');
    const gone = plantHostileEntries(gocache, outside);
    // This job: the same build (from the cache), then after_script before GitLab saves the cache.
    expect((await sh(serveJob.before_script, 'rm app && go build -o app .')).code).toBe(0);
    const after = await sh(serveJob.after_script, 'true');
    expect([after.code, after.stderr]).toEqual([0, '']);
    expect(after.stdout).toMatch(/build cache: kept [1-9]\d* entries this job used or wrote/);
    expect(pwned(c.lab)).toEqual([]);
    for (const f of gone) expect([f, existsSync(path.join(gocache, f))]).toEqual([f, false]);
    expect(after.stdout).toContain(`build cache: removed ${gone.length} files that are not go's entries`);
    expect(readFileSync(path.join(outside, `${'e'.repeat(64)}-a`), 'utf8')).toBe('outside\n');
    // go's entries the build used are still there and still serve it.
    expect(goEntryCount(gocache)).toBeGreaterThan(0);
    const again = await sh(serveJob.before_script, 'rm app && go build -x -o app . 2>&1 | grep -c /compile || true');
    expect(again.stdout.trim().split('\n').at(-1)).toBe('0');
  }, 180_000);

  test("hostile names committed into the checkout's .go/build-cache never run, in a pipeline run by gitlab-ci-local", async () => {
    // GitLab's cache restore writes over the checkout and deletes nothing: a merge request can commit entries,
    // and the notes after_script reads (gitlab-ci-local even copies the checkout afresh before after_script, so
    // after_script sees exactly these files: the worst case, as if before_script had never rewritten them).
    const c = guardCase('gitlab-build-cache-hostile-pipeline', { requires: [] });
    const repo = c.project.dir;
    componentRepo(repo, { file: BUILD_CACHE_CONSUMER });
    writeFileSync(path.join(repo, 'go.sum'), '');
    const gocache = path.join(repo, '.go', 'build-cache');
    const gone = plantHostileEntries(gocache, path.join(c.lab, 'outside-the-cache'));
    const long = 1_000_000_000;
    // An entry "used" by the job (newer than the mark), so that small restored entries are kept within its budget.
    const used = path.join(gocache, '11', `${'1'.repeat(64)}-d`);
    mkdirSync(path.dirname(used), { recursive: true });
    writeFileSync(used, Buffer.alloc(100_000));
    mkdirSync(path.join(repo, '.go-proxy-guard'), { recursive: true });
    writeFileSync(
      path.join(repo, '.go-proxy-guard', 'build-cache.restored'),
      // One time each: one line each for a shell that would run them.
      HOSTILE_ENTRIES.filter((f) => !f.includes('\n'))
        .map((f, i) => `${long - i} ./${f}\n`)
        .join(''),
    );
    writeFileSync(path.join(repo, '.go-proxy-guard', 'build-cache.mark'), '');
    for (const f of HOSTILE_ENTRIES) utimesSync(path.join(gocache, f), long, long);
    utimesSync(path.join(repo, '.go-proxy-guard', 'build-cache.mark'), long + 1, long + 1);
    await commitAll(repo);

    const job = 'build-with-build-cache';
    const r = await runPipeline(repo, c.lab, {}, c.env);
    expect(passedJobs(r.out)).toEqual([job]);
    // gitlab-ci-local's warning for an after_script that failed.
    expect(r.out).not.toMatch(/WARN .*after_script/);
    expect(pwned(c.lab)).toEqual([]);
    expect(r.code).toBe(0);
    const build = path.join(repo, '.gitlab-ci-local', 'builds', job, '.go', 'build-cache');
    for (const f of gone) expect([f, existsSync(path.join(build, f))]).toEqual([f, false]);
    expect(existsSync(path.join(build, '11', `${'1'.repeat(64)}-d`))).toBe(true);
  }, 240_000);

  test('after_script with nothing to keep (no go command ran) drops every restored entry', async () => {
    const c = guardCase('gitlab-build-cache-none');
    const cwd = c.project.dir;
    const gocache = path.join(cwd, '.go', 'build-cache');
    const env = { ...c.env, GPG_SERVE: 'false', GPG_BUILD_CACHE: 'true' };
    const { serveJob } = readTemplate();
    const sh = (steps: string[], tail: string) =>
      runCommand('/bin/sh', ['-e', '-c', [...steps, tail].join('\n')], { cwd, env, timeoutMs: 60_000 });
    const restored = [`ab/${'a'.repeat(64)}-a`, `ab/${'a'.repeat(64)}-d`, `cd/${'c'.repeat(64)}-a`];
    for (const f of restored) {
      mkdirSync(path.join(gocache, path.dirname(f)), { recursive: true });
      writeFileSync(path.join(gocache, f), `entry ${f}\n`);
    }
    expect((await sh(serveJob.before_script, 'true')).code).toBe(0);
    const after = await sh(serveJob.after_script, 'true');
    expect(after.code).toBe(0);
    expect(after.stdout).toContain(
      'build cache: kept 0 entries this job used or wrote and 0 small restored ones it may want again, dropped 3',
    );
    for (const f of restored) expect(existsSync(path.join(gocache, f))).toBe(false);
  });

  test('the script can stop the local proxy early with gpg_engine serve --stop (the before_script defines it)', async () => {
    const p = await labProxy();
    const c = guardCase('gitlab-serve-stop-early');
    const cwd = c.project.dir;
    const env = {
      ...c.env,
      CI_JOB_ID: `lab-${process.pid}-${Date.now()}`,
      TMPDIR: c.lab,
      GPG_ENGINE: CLI,
      GPG_ENGINE_SHA256: '',
      GPG_PROXIES: p.url,
      GPG_PROBE_SAMPLES: '1',
      GPG_SERVE: 'true',
      GPG_BUILD_CACHE: 'false',
    };
    const { serveJob } = readTemplate();
    // before_script and script run in one shell, as GitLab runs them.
    const r = await runCommand(
      '/bin/sh',
      ['-e', '-c', [...serveJob.before_script, 'gpg_engine serve --stop --reports-dir early'].join('\n')],
      {
        cwd,
        env,
        timeoutMs: 60_000,
      },
    );
    expect(r.code).toBe(0);
    const stats = JSON.parse(readFileSync(path.join(cwd, 'early', 'serve.json'), 'utf8'));
    expect(stats.stoppedAt).toBeDefined();
    expect(alive(stats.pid)).toBe(false);
  }, 60_000);

  test('a local proxy that cannot start leaves GOPROXY as it was, and the job going', async () => {
    const down = await labProxy({ status: 503 });
    const c = guardCase('gitlab-serve-fallback');
    const chain = 'https://goproxy.example.invalid|direct';
    const env = {
      ...c.env,
      GOPROXY: chain,
      CI_JOB_ID: `lab-${process.pid}-${Date.now()}`,
      GPG_ENGINE: CLI,
      GPG_ENGINE_SHA256: '',
      GPG_PROXIES: down.url,
      GPG_PROBE_TIMEOUT: '2s',
      GPG_PROBE_SAMPLES: '1',
      GPG_SERVE: 'true',
    };
    const cwd = c.project.dir;

    // Every candidate down: nothing to stand in front of.
    const noProxy = await serveShells(cwd, env);
    expect([noProxy.before.code, noProxy.before.stdout.split('\n').at(-2)]).toEqual([0, `GOPROXY=${chain}`]);
    expect(noProxy.before.stderr).toMatch(
      /go-proxy-guard: WARNING: the local proxy did not start \(see above\); GOPROXY stays as it was\n$/,
    );
    // after_script: nothing to stop, not a failure.
    expect([noProxy.after.code, noProxy.after.stdout]).toEqual([0, 'after_script done\n']);
    expect(noProxy.after.stderr).toMatch(/no local proxy recorded/);

    // No engine.
    const noEngine = await serveShells(cwd, { ...env, GPG_ENGINE: 'nowhere/index.js' });
    expect([noEngine.before.code, noEngine.before.stdout.split('\n').at(-2)]).toEqual([0, `GOPROXY=${chain}`]);
    expect(noEngine.before.stderr).toBe(
      'go-proxy-guard: no engine at nowhere/index.js. Set the engine input to release, to the path of dist/cli/index.js in this checkout, or to the URL of a released one.\n' +
        `go-proxy-guard: WARNING: no local proxy without the engine; the job's go commands use GOPROXY=${chain} as it came\n`,
    );
    expect(noEngine.after.code).toBe(0);

    // serve: false.
    const off = await serveShells(cwd, { ...env, GPG_SERVE: 'false' });
    expect([off.before.code, off.before.stdout, off.before.stderr]).toEqual([
      0,
      `go-proxy-guard: serve is false; GOPROXY stays as it was\nGOPROXY=${chain}\n`,
      '',
    ]);
    expect([off.after.code, off.after.stdout, off.after.stderr]).toEqual([0, 'after_script done\n', '']);
    expect(down.hits().length).toBeGreaterThan(0);
  }, 90_000);
});

describe('the gitlab subcommand up close', () => {
  test('dotenv without credentials (later jobs use netrc), log sections, JUnit and Markdown reports', async () => {
    const secret = 'hunter2-gitlab';
    const p = await labProxy('ok', { tls: 'valid', auth: { user: 'bot', pass: secret } });
    const c = guardCase('gitlab-cli');
    const env = {
      ...c.env,
      GPG_PROXIES: p.authUrl,
      GPG_PREWARM: 'false',
      GPG_PROBE_SAMPLES: '1',
      CI_PROJECT_PATH: 'lab/project',
      CI_JOB_URL: 'https://gitlab.example.invalid/lab/project/-/jobs/1',
    };
    const r = await runCommand(process.execPath, [CLI, 'gitlab'], { cwd: c.project.dir, env, timeoutMs: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain(secret);
    expect(r.stdout).toContain('\x1b[0Ksection_start:');
    expect(r.stdout).toMatch(new RegExp(`${ESC}\\[0Ksection_end:\\d+:go-proxy-guard_1_probing_go_module_proxies\r${ESC}\\[0K`));
    expect(r.stdout).toContain(`WARNING: GOPROXY in ${path.join(c.project.dir, 'go-proxy-guard.env')} has no credentials`);

    const dotenv = readFileSync(path.join(c.project.dir, 'go-proxy-guard.env'), 'utf8');
    expect(dotenv).not.toContain(secret);
    expect(dotenv).toMatch(new RegExp(`^GOPROXY=${p.url.replace(/[.]/g, '\\.')}\\|direct$`, 'm'));
    expect(dotenv).toMatch(/^GO_PROXY_GUARD_VERDICT=healthy$/m);
    const reports = path.join(c.project.dir, 'go-proxy-guard-report');
    expect(readdirSync(reports).sort()).toEqual(['junit.xml', 'report.json', 'report.md', 'status.json']);
    expect(readFileSync(path.join(reports, 'report.md'), 'utf8')).toContain('https://gitlab.example.invalid/lab/project/-/jobs/1');
    for (const f of readdirSync(reports)) expect(readFileSync(path.join(reports, f), 'utf8')).not.toContain(secret);

    // A later job with the dotenv GOPROXY and a netrc for the proxy downloads fine.
    const goproxy = /^GOPROXY=(.*)$/m.exec(dotenv)![1]!;
    const netrc = path.join(c.lab, 'netrc');
    writeFileSync(netrc, `machine 127.0.0.1:${p.port} login bot password ${secret}\n`);
    const dl = await runGo(['mod', 'download', 'all'], {
      cwd: c.project.dir,
      env: { ...c.env, GOPROXY: goproxy, NETRC: netrc },
      timeoutMs: 60_000,
    });
    expect(dl.code).toBe(0);
  });

  test("a bad input fails the job with the action's message and exit status 2", async () => {
    const c = guardCase('gitlab-bad');
    const r = await runCommand(process.execPath, [CLI, 'gitlab'], {
      cwd: c.project.dir,
      env: { ...c.env, GPG_MIN_SCORE: '1.7' },
      timeoutMs: 30_000,
    });
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('ERROR: input "min-score" must be a number from 0 to 1, got "1.7"');
  });
});

describe("engine: release, the default: the engine of the template's version from this GitLab, nothing else", () => {
  const PROJECT = 'lab/go-proxy-guard';
  const TOKEN = 'lab-job-token-d41d8cd98f00b204';
  let bundles: string;
  let version: string;
  let arch: string;
  let tarball: string;

  beforeAll(async () => {
    // What the release pipeline publishes: scripts/gitlab/bundle.sh, for both architectures, with the Node.js
    // running these tests (so the host's bundle runs here).
    const { job } = readTemplate();
    version = job.variables.GPG_ENGINE_VERSION!;
    arch = process.arch === 'arm64' ? 'arm64' : 'x64';
    tarball = `go-proxy-guard-${version}-linux-${arch}.tar.gz`;
    const lab = guardCase('gitlab-bundle').lab;
    const nodeDir = path.join(lab, 'node-dist');
    mkdirSync(path.join(nodeDir, 'bin'), { recursive: true });
    symlinkSync(process.execPath, path.join(nodeDir, 'bin', 'node'));
    writeFileSync(path.join(nodeDir, 'LICENSE'), 'Node.js license\n');
    bundles = path.join(lab, 'bundles');
    for (const a of ['x64', 'arm64']) {
      const r = await runCommand('bash', [path.join(repoRoot, 'scripts', 'gitlab', 'bundle.sh'), version, a, nodeDir, bundles], {
        env: { PATH: process.env.PATH },
        timeoutMs: 90_000,
      });
      expect([r.code, r.stderr]).toEqual([0, '']);
    }
  }, 240_000);

  test('bundle.sh is reproducible: another build, elsewhere, under another umask, has the same SHA-256 (what the template pins)', async () => {
    const lab = guardCase('gitlab-bundle-again').lab;
    const nodeDir = path.join(lab, 'another-node-dist');
    mkdirSync(path.join(nodeDir, 'bin'), { recursive: true });
    symlinkSync(process.execPath, path.join(nodeDir, 'bin', 'node'));
    writeFileSync(path.join(nodeDir, 'LICENSE'), 'Node.js license\n');
    const out = path.join(lab, 'bundles');
    const r = await runCommand(
      'sh',
      ['-c', 'umask 027 && exec bash "$0" "$@"', path.join(repoRoot, 'scripts', 'gitlab', 'bundle.sh'), version, arch, nodeDir, out],
      {
        env: { PATH: process.env.PATH, TMPDIR: lab },
        timeoutMs: 90_000,
      },
    );
    expect([r.code, r.stderr]).toEqual([0, '']);
    const line = (file: string) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .find((l) => l.endsWith(tarball));
    expect(line(path.join(out, 'SHA256SUMS'))).toBe(line(path.join(bundles, 'SHA256SUMS')));
  }, 120_000);

  /** The template as the release pipeline releases it: the bundles' SHA-256 pinned by scripts/gitlab/pin-engine.sh. */
  async function pinnedTemplate(dir: string): Promise<string> {
    const file = path.join(dir, 'templates', 'go-proxy-guard.yml');
    mkdirSync(path.dirname(file), { recursive: true });
    cpSync(TEMPLATE, file);
    const r = await runCommand(
      'bash',
      [path.join(repoRoot, 'scripts', 'gitlab', 'pin-engine.sh'), version, path.join(bundles, 'SHA256SUMS'), file],
      {
        env: { PATH: process.env.PATH },
      },
    );
    expect([r.code, r.stderr]).toEqual([0, '']);
    return file;
  }

  /**
   * This GitLab's API over HTTPS, whose package downloads redirect to object storage on another host
   * (localhost instead of 127.0.0.1), as GitLab does with object storage; both record what they were sent.
   * `answer` makes the API fail: an HTTP status for every request, or `stall` (it reads the request and never
   * answers); `body` replaces what storage serves.
   */
  async function gitlabWithObjectStorage(opts: { answer?: number | 'stall'; body?: (name: string, body: Buffer) => Buffer } = {}) {
    const seen: { host: string; url: string; token: string | undefined }[] = [];
    const storage = await httpsServer((req, res) => {
      seen.push({ host: 'storage', url: req.url ?? '', token: req.headers['job-token'] as string | undefined });
      const name = path.basename(new URL(req.url ?? '/', 'https://x').pathname);
      const file = path.join(bundles, name);
      if (!existsSync(file)) return void res.writeHead(404).end();
      const body = readFileSync(file);
      res.end(opts.body ? opts.body(name, body) : body);
    });
    const prefix = `/api/v4/projects/${encodeURIComponent(PROJECT)}/packages/generic/go-proxy-guard/${version}/`;
    const api = await httpsServer((req, res) => {
      seen.push({ host: 'api', url: req.url ?? '', token: req.headers['job-token'] as string | undefined });
      if (opts.answer === 'stall') return;
      if (opts.answer) return void res.writeHead(opts.answer).end('{"message":"lab"}');
      if (req.headers['job-token'] !== TOKEN || !req.url?.startsWith(prefix)) return void res.writeHead(404).end();
      res
        .writeHead(302, { location: `https://localhost:${storage.port}/objects/${req.url.slice(prefix.length)}?X-Amz-Signature=lab` })
        .end();
    });
    return {
      apiUrl: `https://127.0.0.1:${api.port}/api/v4`,
      seen,
      /** Downloads of the tarball from object storage. */
      downloads: () => seen.filter((s) => s.host === 'storage' && s.url.includes(tarball)).length,
      close: async () => {
        await api.close();
        await storage.close();
      },
    };
  }

  /** A PATH with the tools a Go image has (a shell's tools, curl, go) and no node. */
  async function pathWithoutNode(lab: string): Promise<string> {
    const bin = path.join(lab, 'bin-go-image');
    mkdirSync(bin, { recursive: true });
    for (const tool of [
      ...['sh', 'awk', 'sed', 'grep', 'tr', 'cut', 'date', 'sleep', 'tar', 'gzip', 'sha256sum', 'uname', 'mkdir', 'mktemp'],
      ...['mv', 'rm', 'dirname', 'cat', 'curl', 'go', 'git'],
    ]) {
      const found = (await runCommand('sh', ['-c', `command -v ${tool}`], { env: { PATH: process.env.PATH } })).stdout.trim();
      if (found) symlinkSync(found, path.join(bin, tool));
    }
    const node = await runCommand('/bin/sh', ['-c', 'command -v node'], { env: { PATH: bin } });
    expect(node.code).not.toBe(0);
    return bin;
  }

  /** The guard job's script, every step as GitLab runs them, in one POSIX sh. */
  async function guardScript(cwd: string, env: Record<string, string>, template = TEMPLATE, timeoutMs = 90_000) {
    const { script } = readTemplate(template);
    const started = Date.now();
    const r = await runCommand('/bin/sh', ['-e', '-c', script.join('\n')], { cwd, env, timeoutMs });
    return { ...r, ms: Date.now() - started };
  }

  /** The environment of a guard job on this GitLab, with one healthy lab proxy as the candidate. */
  function releaseEnv(c: GuardCase, apiUrl: string, proxy: string): Record<string, string> {
    return {
      ...c.env,
      ...NO_EGRESS,
      ...CURL_TRUST(),
      CI_API_V4_URL: apiUrl,
      CI_JOB_TOKEN: TOKEN,
      GPG_ENGINE: 'release',
      GPG_ENGINE_PROJECT: PROJECT,
      GPG_ENGINE_VERSION: version,
      GPG_ENGINE_SHA256: '',
      GPG_DOTENV: 'go-proxy-guard.env',
      GPG_REPORTS_DIR: 'go-proxy-guard-report',
      GPG_PROXIES: proxy,
      GPG_PROBE_SAMPLES: '1',
      GPG_DIRECT: 'true',
      GPG_FALLBACK: 'any-error',
      GPG_FAIL_ON: 'download-failure',
    };
  }

  const dotenvOf = (dir: string) => readFileSync(path.join(dir, 'go-proxy-guard.env'), 'utf8');

  test('where node is not on PATH and only loopback is reachable, the guard job runs green; the job token stays with the API host; later jobs use the cached bundle', async () => {
    const ok = await labProxy();
    const gitlab = await gitlabWithObjectStorage();
    const c = guardCase('gitlab-release-engine');
    try {
      const template = await pinnedTemplate(c.lab);
      const bin = await pathWithoutNode(c.lab);
      const env = { ...releaseEnv(c, gitlab.apiUrl, ok.url), PATH: bin };
      const r = await guardScript(c.project.dir, env, template);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).not.toContain(TOKEN);
      expect(dotenvOf(c.project.dir)).toMatch(new RegExp(`^GOPROXY=${ok.url.replace(/[.]/g, '\\.')}\\|direct$`, 'm'));
      // The token went to the API host only; object storage got the signed URL without it. Only the bundle: its
      // SHA-256 is the template's own.
      expect(gitlab.seen.map((s) => [s.host, path.basename(s.url.split('?')[0]!), s.token ?? null])).toEqual([
        ['api', tarball, TOKEN],
        ['storage', tarball, null],
      ]);
      // Kept for GitLab's cache; nothing unpacked is left in the checkout.
      expect(readdirSync(path.join(c.project.dir, '.go-proxy-guard')).sort()).toEqual(['engine-cache', 'state']);

      // The hidden serve job of a later job (GitLab's cache brought the bundle): checked, unpacked afresh, not downloaded.
      const { serveJob } = readTemplate(template);
      const jobEnv = { ...env, GPG_SERVE: 'true', CI_JOB_ID: `lab-${process.pid}-${Date.now()}`, TMPDIR: c.lab };
      const serve = await runCommand('/bin/sh', ['-e', '-c', [...serveJob.before_script, 'echo "GOPROXY=$GOPROXY"'].join('\n')], {
        cwd: c.project.dir,
        env: jobEnv,
        timeoutMs: 60_000,
      });
      expect(serve.code).toBe(0);
      const stop = await runCommand('/bin/sh', ['-e', '-c', serveJob.after_script.join('\n')], {
        cwd: c.project.dir,
        env: jobEnv,
        timeoutMs: 60_000,
      });
      expect(stop.code).toBe(0);
      // A local proxy ran (and stopped) with the bundle GitLab's cache brought: nothing downloaded again.
      const stats = JSON.parse(readFileSync(path.join(c.project.dir, SERVE_REPORTS_DIR, 'serve.json'), 'utf8'));
      expect([stats.url, stats.upstreams.map((u: { url: string }) => u.url)]).toEqual([
        expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
        [ok.url],
      ]);
      expect(alive(stats.pid)).toBe(false);
      expect(gitlab.downloads()).toBe(1);
      expect(readdirSync(path.join(c.project.dir, '.go-proxy-guard')).filter((f) => /^(engine|node)\./.test(f))).toEqual([]);
    } finally {
      await gitlab.close();
    }
  }, 180_000);

  test('a planted engine never runs: a .verified engine and a node committed in the checkout, a tampered bundle in the engine cache', async () => {
    const ok = await labProxy();
    const gitlab = await gitlabWithObjectStorage();
    const c = guardCase('gitlab-release-planted');
    try {
      const template = await pinnedTemplate(c.lab);
      const dir = c.project.dir;
      const marker = path.join(c.lab, 'PLANTED-RAN');
      const planted = `#!/bin/sh\necho planted > "${marker}"\nexit 0\n`;
      // What older templates trusted: an engine directory with a .verified marker; and a Node.js of the checkout's own.
      const home = path.join(dir, '.go-proxy-guard', 'engine', `go-proxy-guard-${version}-linux-${arch}`);
      for (const f of ['lib/node', 'bin/go-proxy-guard', 'node/bin/node']) {
        const file = f.startsWith('node/') ? path.join(dir, '.go-proxy-guard', f) : path.join(home, f);
        mkdirSync(path.dirname(file), { recursive: true });
        writeFileSync(file, planted, { mode: 0o755 });
      }
      writeFileSync(path.join(home, '.verified'), '');
      writeFileSync(
        path.join(home, 'lib', 'go-proxy-guard.mjs'),
        `import fs from 'node:fs'; fs.writeFileSync(${JSON.stringify(marker)}, 'mjs');\n`,
      );
      // A bundle in the engine cache that is not the release's: its lib/node is the planted one.
      const evil = path.join(c.lab, 'evil', `go-proxy-guard-${version}-linux-${arch}`);
      mkdirSync(path.join(evil, 'lib'), { recursive: true });
      writeFileSync(path.join(evil, 'lib', 'node'), planted, { mode: 0o755 });
      writeFileSync(path.join(evil, 'lib', 'go-proxy-guard.mjs'), '');
      mkdirSync(path.join(dir, '.go-proxy-guard', 'engine-cache'), { recursive: true });
      const tar = await runCommand('tar', [
        '-czf',
        path.join(dir, '.go-proxy-guard', 'engine-cache', tarball),
        '-C',
        path.dirname(evil),
        path.basename(evil),
      ]);
      expect(tar.code).toBe(0);

      const env = { ...releaseEnv(c, gitlab.apiUrl, ok.url), PATH: process.env.PATH! };
      const r = await guardScript(dir, env, template);
      expect([r.code, r.stderr]).toEqual([0, '']);
      expect(existsSync(marker)).toBe(false);
      // The tampered cache entry was replaced by the release's bundle, downloaded and checked.
      expect(gitlab.downloads()).toBe(1);
      expect(JSON.parse(readFileSync(path.join(dir, 'go-proxy-guard-report', 'report.json'), 'utf8')).verdict).toBe('healthy');
      // The serve job's shells (before_script, after_script) with the checkout's node first on PATH: still the release's.
      const { serveJob } = readTemplate(template);
      const jobEnv = {
        ...env,
        PATH: `${path.join(dir, '.go-proxy-guard', 'node', 'bin')}:${process.env.PATH}`,
        GPG_SERVE: 'true',
        CI_JOB_ID: `lab-${process.pid}-${Date.now()}`,
        TMPDIR: c.lab,
      };
      for (const steps of [serveJob.before_script, serveJob.after_script]) {
        const sh = await runCommand('/bin/sh', ['-e', '-c', steps.join('\n')], { cwd: dir, env: jobEnv, timeoutMs: 60_000 });
        expect(sh.code).toBe(0);
      }
      expect(existsSync(marker)).toBe(false);
      expect(existsSync(path.join(dir, SERVE_REPORTS_DIR, 'serve.json'))).toBe(true);
    } finally {
      await gitlab.close();
    }
  }, 180_000);

  test('a bundle without the SHA-256 the template pins is refused and never run; the job goes on unranked, and fails with fail-on: degraded', async () => {
    const ok = await labProxy();
    // What someone who can publish to the engine project could do: replace the bundle (and its SHA256SUMS).
    const gitlab = await gitlabWithObjectStorage({
      body: (name, body) => (name.endsWith('.tar.gz') ? Buffer.concat([body, Buffer.from('x')]) : body),
    });
    const c = guardCase('gitlab-release-tampered');
    try {
      const template = await pinnedTemplate(c.lab);
      const env = releaseEnv(c, gitlab.apiUrl, ok.url);
      const r = await guardScript(c.project.dir, env, template);
      expect(r.code).toBe(0);
      const why = `the engine bundle ${tarball} from ${new URL(gitlab.apiUrl).host} does not have the SHA-256 this template pins: refused, never run (someone may have replaced the package: tell the owners of ${PROJECT})`;
      expect(r.stderr).toContain(`go-proxy-guard: ${why}\n`);
      expect(existsSync(path.join(c.project.dir, 'go-proxy-guard-report', 'report.json'))).toBe(false);
      expect(existsSync(path.join(c.project.dir, '.go-proxy-guard', 'engine-cache', tarball))).toBe(false);
      expect(dotenvOf(c.project.dir)).toBe(
        `GOPROXY=${ok.url}|direct\nGO_PROXY_GUARD_GOPROXY=${ok.url}|direct\nGO_PROXY_GUARD_RANKED=false\nGO_PROXY_GUARD_ENGINE_ERROR=${why}\n`,
      );
      const gate = await guardScript(c.project.dir, { ...env, GPG_FAIL_ON: 'degraded' }, template);
      expect(gate.code).toBe(3);
      expect(gate.stderr).toMatch(/ERROR: fail-on is degraded, and without the engine no chain is known to be healthy\n$/);
    } finally {
      await gitlab.close();
    }
  }, 120_000);

  test('the registry answering 503, 403 or 404, or refusing connections: the job says what happened, exports the candidates unranked and passes, in seconds', async () => {
    const ok = await labProxy();
    const c = guardCase('gitlab-release-down');
    const template = await pinnedTemplate(c.lab);
    const proxies = `${ok.url}\npreset:golang`;
    const chain = `${ok.url}|https://proxy.golang.org|direct`;
    const worlds: { answer?: number; refused?: boolean; attempts: number; says: (host: string) => string }[] = [
      {
        answer: 503,
        attempts: 3,
        says: (h) =>
          `${h} answered HTTP 503 (3 attempts); the package registry of ${PROJECT} is unavailable; the next pipeline tries again`,
      },
      {
        answer: 403,
        attempts: 1,
        says: (h) =>
          `${h} answered HTTP 403; this project's job token may not read the packages of ${PROJECT}: add this project to its job token allowlist (Settings > CI/CD > Job token permissions)`,
      },
      {
        answer: 404,
        attempts: 1,
        says: (h) => `${h} answered HTTP 404; no engine ${version} in the package registry of ${PROJECT}, or no access to it`,
      },
      { refused: true, attempts: 3, says: (h) => `Failed to connect to 127.0.0.1 port ${h.split(':')[1]}` },
    ];
    const measured: string[] = [];
    for (const w of worlds) {
      const gitlab = await gitlabWithObjectStorage({ answer: w.answer });
      if (w.refused) await gitlab.close();
      try {
        const host = new URL(gitlab.apiUrl).host;
        const r = await guardScript(c.project.dir, { ...releaseEnv(c, gitlab.apiUrl, proxies) }, template);
        measured.push(`${w.refused ? 'refused' : w.answer}: ${r.ms} ms`);
        expect([w.answer ?? 'refused', r.code]).toEqual([w.answer ?? 'refused', 0]);
        // The job log says what happened; later jobs get it, and the candidates unranked, through the dotenv report.
        expect(r.stderr).toContain(w.says(host));
        const dotenv = dotenvOf(c.project.dir);
        expect(dotenv).toMatch(new RegExp(`^GOPROXY=${chain.replace(/[.|]/g, '\\$&')}\\n`));
        expect(dotenv).toContain('\nGO_PROXY_GUARD_RANKED=false\n');
        expect(dotenv).toContain(`\nGO_PROXY_GUARD_ENGINE_ERROR=could not download the engine ${version}: `);
        expect(dotenv).toContain(w.says(host));
        if (!w.refused) expect(gitlab.seen.filter((s) => s.host === 'api')).toHaveLength(w.attempts);
        // Retries wait 2 s, then 4 s: seconds, not minutes (generous for a busy machine).
        expect(r.ms).toBeLessThan(30_000);
      } finally {
        if (!w.refused) await gitlab.close();
      }
    }
    console.log(`engine fallback times: ${measured.join(', ')}`);
  }, 180_000);

  test('a registry that stalls: every attempt ends at the stall limit and the job falls back within two minutes', async () => {
    const ok = await labProxy();
    const gitlab = await gitlabWithObjectStorage({ answer: 'stall' });
    const c = guardCase('gitlab-release-stall');
    try {
      const template = await pinnedTemplate(c.lab);
      const r = await guardScript(c.project.dir, releaseEnv(c, gitlab.apiUrl, ok.url), template, 150_000);
      console.log(`engine fallback time, registry stalling: ${r.ms} ms`);
      expect(r.code).toBe(0);
      expect(dotenvOf(c.project.dir)).toContain('GO_PROXY_GUARD_RANKED=false\n');
      expect(dotenvOf(c.project.dir)).toContain(
        'Operation too slow. Less than 1024 bytes/sec transferred the last 15 seconds (3 attempts)',
      );
      // 3 attempts of 15 s and waits of 2 and 4 s: about 51 s; the budget is 100 s.
      expect(r.ms).toBeGreaterThan(45_000);
      expect(r.ms).toBeLessThan(110_000);
    } finally {
      await gitlab.close();
    }
  }, 180_000);

  test("the unranked chain is the engine's candidates in the user's order: proxies, presets, go env GOPROXY, the override, fallback, direct, no credentials", async () => {
    // The repository's template pins no bundle: engine release gives up at once and takes the fallback path.
    const c = guardCase('gitlab-unranked');
    const base = releaseEnv(c, 'https://127.0.0.1:9/api/v4', '');
    const cases: [Record<string, string>, string][] = [
      [
        { GPG_PROXIES: 'b.example/goproxy, preset:china\nhttps://bot:pw@a.example|B.EXAMPLE/goproxy/ # a comment' },
        'https://b.example/goproxy|https://goproxy.cn|https://goproxy.io|https://mirrors.aliyun.com/goproxy/|https://a.example|direct',
      ],
      [
        { GPG_PROXIES: 'preset:public', GPG_FALLBACK: 'not-found', GPG_DIRECT: 'false' },
        'https://proxy.golang.org,https://goproxy.cn,https://goproxy.io,https://mirrors.aliyun.com/goproxy/',
      ],
      [
        { GPG_PROXIES: '', GOPROXY: 'https://corp.example,https://proxy.golang.org|direct' },
        'https://corp.example|https://proxy.golang.org|direct',
      ],
      [{ GPG_PROXIES: '', GOPROXY: 'https://corp.example|off' }, 'https://corp.example|https://proxy.golang.org|off'],
      [{ GPG_PROXIES: 'https://a.example', GO_PROXY_GUARD_OVERRIDE: 'https://rescue.example' }, 'https://rescue.example|direct'],
      [{ GPG_PROXIES: 'https://a.example', GO_PROXY_GUARD_OVERRIDE: 'Off' }, 'off'],
    ];
    for (const [vars, want] of cases) {
      const r = await guardScript(c.project.dir, { ...base, ...vars });
      expect([vars, r.code]).toEqual([vars, 0]);
      const dotenv = dotenvOf(c.project.dir);
      expect([vars, /^GOPROXY=(.*)$/m.exec(dotenv)?.[1]]).toEqual([vars, want]);
      expect(dotenv).toContain(
        '\nGO_PROXY_GUARD_ENGINE_ERROR=this template pins no engine bundle: it is not a released version of the component',
      );
    }
    // The same candidates the engine would rank, in the same order.
    const engineChain = (vars: Record<string, string>, goproxy: string) => {
      const config = buildConfig((n) => vars[inputEnvName(n)], c.project.dir, vars);
      const { candidates, end } = chainDecisions(config, parseGoproxy(goproxy));
      return formatGoproxy(withoutCredentials(buildChain({ proxies: candidates, fallback: config.fallback, terminal: end })));
    };
    for (const [vars, want] of cases)
      expect([vars, engineChain({ ...base, ...vars }, vars.GOPROXY ?? 'https://proxy.golang.org,direct')]).toEqual([vars, want]);
  }, 120_000);

  test('http:// is refused: for the API, for an engine URL; a URL engine with no checksum anywhere is refused, the job goes on unranked', async () => {
    const engine = await serveEngine();
    const c = guardCase('gitlab-engine-url');
    try {
      const template = await pinnedTemplate(c.lab);
      const env = { ...releaseEnv(c, 'http://127.0.0.1:9/api/v4', 'https://a.example') };
      const plainApi = await guardScript(c.project.dir, env, template);
      expect([plainApi.code, plainApi.stderr]).toEqual([
        3,
        'go-proxy-guard: engine: release needs this GitLab over https (CI_API_V4_URL is "http://127.0.0.1:9/api/v4"); set the engine input to a dist/cli/index.js\n',
      ]);
      const plainUrl = engine.url.replace('https:', 'http:');
      const plain = await guardScript(c.project.dir, { ...env, GPG_ENGINE: plainUrl }, template);
      expect([plain.code, plain.stderr]).toEqual([
        3,
        `go-proxy-guard: refusing the engine ${plainUrl}: only https:// URLs (or release, or a path in the checkout)\n`,
      ]);
      // No engine-sha256 and no SHA256SUMS next to the URL (404): refused, never run.
      const unchecked = await guardScript(c.project.dir, { ...env, GPG_ENGINE: engine.url }, template);
      expect(unchecked.code).toBe(0);
      expect(dotenvOf(c.project.dir)).toContain(
        `GO_PROXY_GUARD_RANKED=false\nGO_PROXY_GUARD_ENGINE_ERROR=${engine.url} has no SHA256SUMS next to it (${new URL(engine.url).host} answered HTTP 404): set engine-sha256\n`,
      );
      expect(readdirSync(path.join(c.project.dir, '.go-proxy-guard')).filter((f) => f.startsWith('engine.'))).toEqual([]);
      expect(engine.hits).toEqual([new URL(engine.url).pathname, new URL(engine.url).pathname.replace(/index\.js$/, 'SHA256SUMS')]);
    } finally {
      await engine.close();
    }
  }, 60_000);

  test('gitlab-ci-local: a guard job and two Go jobs download the engine once; with the registry answering 503 the Go jobs still build', async () => {
    const ok = await labProxy();
    const gitlab = await gitlabWithObjectStorage();
    const c = guardCase('gitlab-release-pipeline');
    const repo = c.project.dir;
    try {
      componentRepo(repo, { file: RELEASE_CONSUMER });
      await pinnedTemplate(repo);
      await commitAll(repo);
      const tmp = path.join(c.lab, 'tmp');
      mkdirSync(tmp, { recursive: true });
      const run = (apiUrl: string) =>
        runPipeline(
          repo,
          c.lab,
          { LAB_PROXY_URL: ok.url, CI_API_V4_URL: apiUrl, CI_JOB_TOKEN: TOKEN },
          { ...c.env, ...CURL_TRUST(), TMPDIR: tmp },
        );
      const jobs = ['build', 'go-proxy-guard', 'vet'];
      const first = await run(gitlab.apiUrl);
      expect(passedJobs(first.out).sort()).toEqual(jobs);
      expect(first.code).toBe(0);
      console.log(`engine downloads, a pipeline of ${jobs.length} jobs: ${gitlab.downloads()}`);
      // The Go jobs ran the bundle GitLab's cache brought them from the guard job.
      expect(gitlab.downloads()).toBe(1);
      // The next pipeline on this runner: GitLab's cache has the bundle, nothing is downloaded.
      const again = await run(gitlab.apiUrl);
      expect(again.code).toBe(0);
      expect(gitlab.downloads()).toBe(1);

      // The next pipeline, the registry answering 503 and GitLab's cache gone: the guard job falls back, the Go
      // jobs say they have no engine and build with the unranked chain.
      rmSync(path.join(repo, '.gitlab-ci-local', 'cache'), { recursive: true, force: true });
      const down = await gitlabWithObjectStorage({ answer: 503 });
      try {
        const second = await run(down.apiUrl);
        expect(passedJobs(second.out).sort()).toEqual(jobs);
        expect(second.code).toBe(0);
        expect(dotenvReport(repo, 'go-proxy-guard', 'go-proxy-guard.env')).toMatchObject({
          GOPROXY: `${ok.url}|direct`,
          GO_PROXY_GUARD_RANKED: 'false',
          GO_PROXY_GUARD_ENGINE_ERROR: expect.stringMatching(/^could not download the engine .* answered HTTP 503 \(3 attempts\)/),
        });
        // The Go jobs say why they have no engine, from the guard job's dotenv.
        expect(jobLog(second.out, 'build')).toEqual(
          expect.arrayContaining([
            expect.stringMatching(
              /^> go-proxy-guard: the guard job of this pipeline could not get the engine either \(could not download the engine .* answered HTTP 503 \(3 attempts\)/,
            ),
          ]),
        );
        // The guard job tried (3 attempts); the Go jobs did not try again.
        expect(down.seen.filter((s) => s.host === 'api')).toHaveLength(3);
      } finally {
        await down.close();
      }
    } finally {
      await gitlab.close();
    }
  }, 300_000);
});

describe("the component project's own pipeline (.gitlab-ci.yml at the root), run by gitlab-ci-local", () => {
  /** A throwaway copy of this repository as mirrored to GitLab: what the root pipeline uses. */
  async function mirror(lab: string, changelog?: string) {
    const dir = path.join(lab, 'mirror');
    for (const p of ['.gitlab-ci.yml', 'templates', 'scripts', 'package.json', 'CHANGELOG.md', path.join('gitlab', 'test', 'selftest')]) {
      cpSync(path.join(repoRoot, p), path.join(dir, p), { recursive: true });
    }
    mkdirSync(path.join(dir, 'dist', 'cli'), { recursive: true });
    for (const f of ['index.js', 'package.json']) cpSync(path.join(path.dirname(CLI), f), path.join(dir, 'dist', 'cli', f));
    if (changelog !== undefined) writeFileSync(path.join(dir, 'CHANGELOG.md'), changelog);
    await commitAll(dir, { remote: LAB_ORIGIN });
    return dir;
  }
  const glci = (dir: string, lab: string, args: string[], env: Record<string, string>) => gitlabCiLocal(dir, lab, args, env);
  const jobNames = (out: string) =>
    out
      .split('\n')
      .slice(out.split('\n').findIndex((l) => l.startsWith('name ')) + 1)
      .map((l) => l.split(/\s{2,}/)[0]!)
      .filter(Boolean);

  test('a branch runs the component on itself; a vX.Y.Z tag runs version, bundles, publish, pin and release:', async () => {
    const c = guardCase('gitlab-root-pipeline');
    const dir = await mirror(c.lab);
    const branch = await glci(dir, c.lab, ['--list'], c.env);
    expect(branch.stdout + branch.stderr).toMatch(/json schema validated/);
    expect(jobNames(branch.stdout)).toEqual(['go-proxy-guard-selftest']);
    const tag = await glci(dir, c.lab, ['--list', '--variable', 'CI_COMMIT_TAG=v1.2.3'], c.env);
    expect(jobNames(tag.stdout)).toEqual([
      'go-proxy-guard-selftest',
      'version',
      'bundle: [x64]',
      'bundle: [arm64]',
      'publish',
      'pin',
      'release',
    ]);
  }, 120_000);

  test('the version job refuses a tag without CHANGELOG notes, and hands the version and the notes to release:', async () => {
    const c = guardCase('gitlab-root-version');
    const version = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).version as string;
    const noNotes = await mirror(c.lab, '# Changelog\n\n## [Unreleased]\n- next\n');
    const refused = await glci(noNotes, c.lab, ['--force-shell-executor', '--variable', `CI_COMMIT_TAG=v${version}`, 'version'], c.env);
    expect(refused.code).not.toBe(0);
    expect(refused.stdout + refused.stderr).toContain(`changelog-notes: CHANGELOG.md has no "## [${version}]" section with notes`);

    const c2 = guardCase('gitlab-root-version-ok');
    const withNotes = await mirror(c2.lab, `# Changelog\n\n## [${version}] - 2026-11-30\n\n### Added\n- the lab release\n`);
    const ok = await glci(
      withNotes,
      c2.lab,
      ['--force-shell-executor', '--no-artifacts-to-source', '--variable', `CI_COMMIT_TAG=v${version}`, 'version'],
      c2.env,
    );
    expect(ok.stdout + ok.stderr).toMatch(/PASS +version\b/);
    const artifacts = path.join(withNotes, '.gitlab-ci-local', 'artifacts', 'version');
    expect(readFileSync(path.join(artifacts, 'release-notes.md'), 'utf8')).toBe('### Added\n- the lab release\n');
    expect(readFileSync(path.join(artifacts, '.gitlab-ci-reports', 'dotenv', 'version.env'), 'utf8')).toBe(`VERSION=${version}\n`);
  }, 180_000);
  test("GitHub's release workflow pushes to GitLab with push-to-gitlab.sh, the token in the environment, the whole history", () => {
    const wf = parseAllDocuments(readFileSync(path.join(repoRoot, '.github', 'workflows', 'release.yml'), 'utf8'))[0]!.toJSON() as {
      jobs: Record<
        string,
        {
          if?: string;
          needs?: string;
          steps: { uses?: string; with?: Record<string, unknown>; env?: Record<string, string>; run?: string }[];
        }
      >;
    };
    const job = wf.jobs.gitlab!;
    expect([job.needs, job.if]).toEqual(['check', "vars.GITLAB_PROJECT_URL != ''"]);
    expect(job.steps[0]).toEqual({ uses: 'actions/checkout@v4', with: { 'fetch-depth': 0 } });
    const push = job.steps.find((st) => st.run?.includes('scripts/gitlab/push-to-gitlab.sh'))!;
    expect(push.run).not.toMatch(/\$\{\{/);
    expect(push.env).toEqual({
      GITLAB_PROJECT_URL: '${{ vars.GITLAB_PROJECT_URL }}',
      GITLAB_PUSH_TOKEN: '${{ secrets.GITLAB_PUSH_TOKEN }}',
    });
  });

  test("from GitHub's release to the catalog version: push-to-gitlab.sh pushes the tag, the pin job pins the bundles and tags X.Y.Z; tokens travel in a header only", async () => {
    const c = guardCase('gitlab-publish');
    const version = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).version as string;
    const dir = await mirror(c.lab, `# Changelog\n\n## [${version}] - 2026-12-01\n\n### Added\n- the lab release\n`);
    await git(dir, ['tag', `v${version}`]);
    const released = (await runCommand('git', ['rev-parse', 'HEAD'], { cwd: dir })).stdout.trim();
    const token = 'glpat-lab-0123456789abcdef';
    const basic = `Basic ${Buffer.from(`oauth2:${token}`).toString('base64')}`;
    const host = await startGitServer({ root: path.join(c.lab, 'gitlab-repos'), token });
    const bare = path.join(host.root, 'lab', 'go-proxy-guard.git');
    const inBare = async (args: string[]) =>
      (await runCommand('git', ['--git-dir', bare, ...args], { env: { PATH: process.env.PATH } })).stdout.trim();
    const gitEnv = { PATH: process.env.PATH!, HOME: c.lab, GIT_CONFIG_NOSYSTEM: '1', GIT_SSL_CAINFO: ensureLabPki().caCert };
    try {
      const remote = await host.createProject('lab/go-proxy-guard');
      const push = (env: Record<string, string>) =>
        runCommand('bash', [path.join(dir, 'scripts', 'gitlab', 'push-to-gitlab.sh'), `v${version}`, remote, 'main'], {
          cwd: dir,
          env,
          timeoutMs: 30_000,
        });
      const none = await push(gitEnv);
      expect(none.code).toBe(1);
      expect(none.stderr).toMatch(/^push-to-gitlab: set GITLAB_PUSH_TOKEN/);
      expect(host.authorizations).toEqual([]);
      const wrong = await push({ ...gitEnv, GITLAB_PUSH_TOKEN: 'glpat-wrong', GIT_TERMINAL_PROMPT: '0' });
      expect(wrong.code).not.toBe(0);
      expect(await inBare(['tag'])).toBe('');

      const ok = await push({ ...gitEnv, GITLAB_PUSH_TOKEN: token });
      expect([ok.code, ok.stderr]).toEqual([0, '']);
      expect(await inBare(['rev-parse', `v${version}^{commit}`, 'main'])).toBe(`${released}\n${released}`);
      // The token went as a header on every request of the good push, and is written nowhere.
      expect(host.authorizations.slice(-2)).toEqual([basic, basic]);
      for (const config of [path.join(dir, '.git', 'config'), path.join(bare, 'config')])
        expect(readFileSync(config, 'utf8')).not.toContain(token);

      // GitLab: the tag pipeline's pin job, run by gitlab-ci-local in a checkout of the pushed tag, with the SHA256SUMS
      // the bundle jobs leave as artifacts.
      const checkout = path.join(c.lab, 'checkout');
      const clone = await runCommand('git', ['clone', '-q', '--branch', `v${version}`, remote, checkout], {
        env: { ...gitEnv, GITLAB_PUSH_TOKEN: '' },
        timeoutMs: 30_000,
      });
      expect(clone.code).not.toBe(0); // the project is private: cloning needs the token too
      await runCommand('git', ['clone', '-q', bare, checkout], { env: gitEnv });
      await git(checkout, ['checkout', '-q', `v${version}`]);
      await git(checkout, ['remote', 'set-url', 'origin', LAB_ORIGIN]);
      const sums = { x64: 'a'.repeat(64), arm64: 'b'.repeat(64) };
      for (const [arch, sum] of Object.entries(sums)) {
        mkdirSync(path.join(checkout, 'bundles', arch), { recursive: true });
        writeFileSync(path.join(checkout, 'bundles', arch, 'SHA256SUMS'), `${sum}  go-proxy-guard-${version}-linux-${arch}.tar.gz\n`);
      }
      const variables = {
        CI_COMMIT_TAG: `v${version}`,
        VERSION: version,
        CI_SERVER_URL: host.url,
        CI_PROJECT_PATH: 'lab/go-proxy-guard',
        GPG_RELEASE_TOKEN: token,
      };
      const pin = await glci(
        checkout,
        c.lab,
        ['--force-shell-executor', 'pin', ...Object.entries(variables).flatMap(([k, v]) => ['--variable', `${k}=${v}`])],
        { ...c.env, ...gitEnv },
      );
      expect(pin.stdout + pin.stderr).toMatch(/PASS +pin\b/);
      expect(pin.stdout + pin.stderr).not.toContain(token);
      // The tag X.Y.Z: the release's commit plus the pinned template, nothing else.
      expect(await inBare(['rev-parse', `${version}^`])).toBe(released);
      expect(await inBare(['diff', '--name-only', `v${version}`, version])).toBe('templates/go-proxy-guard.yml');
      const pinned = await inBare(['show', `${version}:templates/go-proxy-guard.yml`]);
      expect(pinned).toContain(`      gpg_pinned_x64="${sums.x64}"\n      gpg_pinned_arm64="${sums.arm64}"\n`);
      expect(host.authorizations.at(-1)).toBe(basic);
    } finally {
      await host.close();
    }
  }, 180_000);
});
