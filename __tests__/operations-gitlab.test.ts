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
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { commitAll } from './lab/git.js';
import { artifactsOf, componentRepo, LAB_ORIGIN, runPipeline } from './lab/gitlab-ci.js';
import { closeLabServers, guardCase, labProxy, labReceiver } from './lab/guard-case.js';

afterEach(closeLabServers);

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

test('gitlab: one guard job per pipeline, a matrix of 5 jobs, one alert; the override as a CI/CD variable; history and status.json across pipelines', async () => {
  const slack = await labReceiver('slack');
  const ok = await labProxy();
  const dead = await labProxy({ status: 503 });
  const c = guardCase('gitlab-operations');
  const repo = c.project.dir;
  componentRepo(repo, { text: PIPELINE });
  await commitAll(repo, { remote: LAB_ORIGIN });
  const pipeline = (extra: Record<string, string> = {}) =>
    runPipeline(repo, c.lab, { LAB_PROXY_URL: ok.url, LAB_DEAD_PROXY_URL: dead.url, LAB_WEBHOOK_URL: slack.url, ...extra }, c.env, 150_000);
  const artifacts = artifactsOf(repo, 'go-proxy-guard', 'go-proxy-guard-report');

  const first = await pipeline();
  const out = first.out;
  expect(first.code).toBe(0);
  for (const leg of [1, 2, 3, 4, 5]) expect(out).toContain(`leg ${leg} GOPROXY=${ok.url}|direct`);
  expect(slack.accepted()).toHaveLength(1);
  expect(slack.accepted()[0]!.rawBody).toContain(dead.url);
  const status = JSON.parse(readFileSync(path.join(artifacts, 'status.json'), 'utf8'));
  expect(status).toMatchObject({ schema: 'go-proxy-guard/status@1', verdict: 'degraded', historyRuns: 1, override: null });

  // Incident: GO_PROXY_GUARD_OVERRIDE set as a CI/CD variable (a group variable reaches every job the same way).
  const second = await pipeline({ GO_PROXY_GUARD_OVERRIDE: ok.url });
  const out2 = second.out;
  expect(second.code).toBe(0);
  for (const leg of [1, 2, 3, 4, 5]) expect(out2).toContain(`leg ${leg} GOPROXY=${ok.url}|direct`);
  // Healthy under the override: one recovery, and it says the override is in force.
  expect(slack.accepted()).toHaveLength(2);
  expect(slack.accepted()[1]!.rawBody).toMatch(/healthy again/i);
  expect(slack.accepted()[1]!.rawBody).toContain('set by variable GO_PROXY_GUARD_OVERRIDE');
  const status2 = JSON.parse(readFileSync(path.join(artifacts, 'status.json'), 'utf8'));
  expect(status2.historyRuns).toBe(2);
  expect(status2.override).toMatch(
    new RegExp(
      `^OVERRIDE: proxies ${ok.url.replace(/[.]/g, '\\.')}; override in force since \\S+, set by variable GO_PROXY_GUARD_OVERRIDE`,
    ),
  );
  // The page: in the reports artifact beside status.json, named in the dotenv report, and published by pages:.
  const page = readFileSync(path.join(artifacts, 'status.html'), 'utf8');
  expect(page).toContain('<title>Healthy: Go module proxies');
  expect(page).toContain('<strong>Override in force</strong>');
  // The proxy the override replaced is still on the page, from the kept runs.
  expect(page).toContain(dead.url);
  expect(out2).toMatch(/leg 1 page=\S*go-proxy-guard-report\/status\.html/);
  expect(readFileSync(artifactsOf(repo, 'pages', 'public', 'index.html'), 'utf8')).toBe(page);
  expect(readFileSync(path.join(artifacts, 'report.md'), 'utf8').split('\n')[0]).toBe('> [!WARNING]');
}, 400_000);
