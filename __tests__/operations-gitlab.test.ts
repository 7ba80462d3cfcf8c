/**
 * Operations on GitLab, run by gitlab-ci-local: what GitLab allows.
 * - One alert per pipeline: the guard job runs once (.pre) and a
 *   `parallel: matrix` of 5 jobs takes GOPROXY from it through `needs:`.
 *   (Concurrent jobs of a pipeline share no store to elect a sender through:
 *   cache: is uploaded when a job ends, artifacts only reach later stages.)
 * - The emergency switch as a CI/CD variable (what a group variable is to a job).
 * - History across pipelines and status.json in the reports artifact; with
 *   status-page, status.html beside it, published by the pages: job that
 *   gitlab/README.md shows.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCommand } from './lab/go.js';
import { closeLabServers, guardCase, labProxy, labReceiver } from './lab/guard-case.js';
import { repoRoot } from './lab/paths.js';

afterEach(closeLabServers);

/** The component template, wherever the repository keeps it. */
const TEMPLATE = [
  path.join(repoRoot, 'templates', 'go-proxy-guard.yml'),
  path.join(repoRoot, 'gitlab', 'templates', 'go-proxy-guard.yml'),
].find((p) => existsSync(p))!;
const CLI = path.join(repoRoot, 'dist', 'cli', 'index.js');
const GITLAB_CI_LOCAL = path.join(repoRoot, 'node_modules', 'gitlab-ci-local', 'dist', 'index.js');

const PIPELINE = `
include:
  - local: templates/go-proxy-guard.yml
    inputs:
      proxies: $LAB_PROXY_URL,$LAB_DEAD_PROXY_URL
      probe-timeout: 5s
      probe-samples: 2
      prewarm: false
      serve: false
      webhook-url: $LAB_WEBHOOK_URL
      alert-cooldown: 1h
      status-page: true
      engine: dist/cli/index.js

stages: [build, deploy]

# As gitlab/README.md shows it: the status page as the site's index.html.
pages:
  stage: deploy
  needs: [go-proxy-guard]
  script:
    - mkdir -p public
    - cp go-proxy-guard-report/status.html public/index.html
  artifacts:
    paths: [public]

build:
  stage: build
  needs: [go-proxy-guard]
  parallel:
    matrix:
      - LEG: ["1", "2", "3", "4", "5"]
  script:
    - test -n "$GOPROXY"
    - echo "leg $LEG GOPROXY=$GOPROXY"
    - echo "leg $LEG page=$GO_PROXY_GUARD_STATUS_PAGE"
`;

async function git(dir: string, args: string[]) {
  const r = await runCommand('git', args, {
    cwd: dir,
    env: {
      PATH: process.env.PATH,
      HOME: dir,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_AUTHOR_NAME: 'lab',
      GIT_AUTHOR_EMAIL: 'lab@example.invalid',
      GIT_COMMITTER_NAME: 'lab',
      GIT_COMMITTER_EMAIL: 'lab@example.invalid',
    },
    timeoutMs: 20_000,
  });
  if (r.code !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
}

const jobLog = (out: string, job: string) =>
  out
    .split('\n')
    .filter((l) => l.startsWith(`${job} `))
    .map((l) => l.slice(job.length).replace(/^\s+/, ''));

test('gitlab: one guard job per pipeline, a matrix of 5 jobs, one alert; the override as a CI/CD variable; history and status.json across pipelines', async () => {
  const slack = await labReceiver('slack');
  const ok = await labProxy();
  const dead = await labProxy({ status: 503 });
  const c = guardCase('gitlab-operations');
  const repo = c.project.dir;
  mkdirSync(path.join(repo, 'templates'), { recursive: true });
  cpSync(TEMPLATE, path.join(repo, 'templates', 'go-proxy-guard.yml'));
  mkdirSync(path.join(repo, 'dist', 'cli'), { recursive: true });
  for (const f of ['index.js', 'package.json']) cpSync(path.join(path.dirname(CLI), f), path.join(repo, 'dist', 'cli', f));
  writeFileSync(path.join(repo, '.gitlab-ci.yml'), PIPELINE);
  await git(repo, ['init', '-q', '-b', 'main']);
  await git(repo, ['remote', 'add', 'origin', 'https://gitlab.example.invalid/lab/go-proxy-guard.git']);
  await git(repo, ['add', '-A']);
  await git(repo, ['commit', '-q', '-m', 'lab']);
  const pipeline = (extra: Record<string, string> = {}) =>
    runCommand(
      process.execPath,
      [
        GITLAB_CI_LOCAL,
        '--force-shell-executor',
        '--shell-isolation',
        '--no-artifacts-to-source',
        '--no-color',
        '--home',
        path.join(c.lab, 'gitlab-ci-local-home'),
        ...Object.entries({ LAB_PROXY_URL: ok.url, LAB_DEAD_PROXY_URL: dead.url, LAB_WEBHOOK_URL: slack.url, ...extra }).flatMap(
          ([k, v]) => ['--variable', `${k}=${v}`],
        ),
      ],
      { cwd: repo, env: c.env, timeoutMs: 150_000 },
    );
  const artifacts = path.join(repo, '.gitlab-ci-local', 'artifacts', 'go-proxy-guard', 'go-proxy-guard-report');

  const first = await pipeline();
  const out = first.stdout + first.stderr;
  expect(first.code).toBe(0);
  for (const leg of [1, 2, 3, 4, 5]) expect(out).toContain(`leg ${leg} GOPROXY=${ok.url}|direct`);
  expect(slack.accepted()).toHaveLength(1);
  expect(slack.accepted()[0]!.rawBody).toContain(dead.url);
  const status = JSON.parse(readFileSync(path.join(artifacts, 'status.json'), 'utf8'));
  expect(status).toMatchObject({ schema: 'go-proxy-guard/status@1', verdict: 'degraded', historyRuns: 1, override: null });

  // Incident: GO_PROXY_GUARD_OVERRIDE set as a CI/CD variable (a group variable reaches every job the same way).
  const second = await pipeline({ GO_PROXY_GUARD_OVERRIDE: ok.url });
  const out2 = second.stdout + second.stderr;
  expect(second.code).toBe(0);
  const guard = jobLog(out2, 'go-proxy-guard');
  expect(guard).toEqual(
    expect.arrayContaining([
      expect.stringMatching(
        new RegExp(
          `OVERRIDE: proxies ${ok.url.replace(/[.]/g, '\\.')}; override in force since \\S+, set by variable GO_PROXY_GUARD_OVERRIDE`,
        ),
      ),
    ]),
  );
  for (const leg of [1, 2, 3, 4, 5]) expect(out2).toContain(`leg ${leg} GOPROXY=${ok.url}|direct`);
  // Healthy under the override: one recovery, and it says the override is in force.
  expect(slack.accepted()).toHaveLength(2);
  expect(slack.accepted()[1]!.rawBody).toMatch(/healthy again/i);
  expect(slack.accepted()[1]!.rawBody).toContain('set by variable GO_PROXY_GUARD_OVERRIDE');
  const status2 = JSON.parse(readFileSync(path.join(artifacts, 'status.json'), 'utf8'));
  expect(status2.historyRuns).toBe(2);
  expect(status2.override).toMatch(/^OVERRIDE: proxies /);
  // The page: in the reports artifact beside status.json, named in the dotenv report, and published by pages:.
  const page = readFileSync(path.join(artifacts, 'status.html'), 'utf8');
  expect(page).toContain('<title>Healthy: Go module proxies');
  expect(page).toContain('<strong>Override in force</strong>');
  // The proxy the override replaced is still on the page, from the kept runs.
  expect(page).toContain(dead.url);
  expect(out2).toMatch(/leg 1 page=\S*go-proxy-guard-report\/status\.html/);
  expect(readFileSync(path.join(repo, '.gitlab-ci-local', 'artifacts', 'pages', 'public', 'index.html'), 'utf8')).toBe(page);
  expect(readFileSync(path.join(artifacts, 'report.md'), 'utf8').split('\n')[0]).toBe('> [!WARNING]');
}, 400_000);
