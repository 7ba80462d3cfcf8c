/**
 * Where links point: the docs (sections of the pages under docs/, as the
 * forge shows a file of the default branch) and the issues of the
 * go-proxy-guard that runs, decided from the run context alone: the action's
 * repository on GitHub, the component's project on GitLab, the package's own
 * repository for the CLI and as the last resort. Nothing links to a placeholder.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gitlabRunContext } from '../../src/platform/gitlab.js';
import { docsBase, docsLinks, internalFailure, issuesUrl, PACKAGE_HOME } from '../../src/report/docs-links.js';
import { githubRunContext } from '../../src/platform/github-context.js';
import { renderSummary } from '../../src/report/summary.js';
import { runReport, warmReport } from './fixtures/report.js';
import { repoRoot } from '../lab/paths.js';

const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
const CANONICAL = 'https://github.com/go-proxy-guard/go-proxy-guard';

describe('the package carries its home, and the CLI and the last resort use it', () => {
  test('package.json names the canonical repository in repository, homepage and bugs', () => {
    expect(pkg.repository).toEqual({ type: 'git', url: `git+${CANONICAL}.git` });
    expect(pkg.homepage).toBe(`${CANONICAL}#readme`);
    expect(pkg.bugs).toEqual({ url: `${CANONICAL}/issues` });
    expect(PACKAGE_HOME).toBe(CANONICAL);
  });

  test('no run context (the CLI on a terminal): the package repository', () => {
    expect(docsBase(undefined)).toBe(CANONICAL);
    expect(docsLinks(undefined).ladder).toBe(`${CANONICAL}/blob/HEAD/docs/ladder-and-caches.md#the-degradation-ladder`);
    expect(issuesUrl(undefined)).toBe(`${CANONICAL}/issues`);
  });
});

describe('GitHub: the repository the action was taken from', () => {
  const github = (env: Record<string, string>) =>
    githubRunContext({ GITHUB_REPOSITORY: 'acme/app', GITHUB_RUN_ID: '1', GITHUB_SERVER_URL: 'https://github.com', ...env });

  test('uses: acme/go-proxy-guard-fork@v1 links to the fork', () => {
    const ctx = github({ GITHUB_ACTION_REPOSITORY: 'acme/go-proxy-guard-fork' });
    expect(docsLinks(ctx)).toEqual({
      ladder: 'https://github.com/acme/go-proxy-guard-fork/blob/HEAD/docs/ladder-and-caches.md#the-degradation-ladder',
      score: 'https://github.com/acme/go-proxy-guard-fork/blob/HEAD/docs/probing.md#probing-and-the-health-score',
      localProxy: 'https://github.com/acme/go-proxy-guard-fork/blob/HEAD/docs/local-proxy.md#the-local-proxy-serve',
      history: 'https://github.com/acme/go-proxy-guard-fork/blob/HEAD/docs/summary-and-alerts.md#health-history-and-metrics',
    });
    expect(issuesUrl(ctx)).toBe('https://github.com/acme/go-proxy-guard-fork/issues');
  });

  test('GitHub Enterprise Server: its own server URL', () => {
    const ctx = github({ GITHUB_SERVER_URL: 'https://ghes.corp.example', GITHUB_ACTION_REPOSITORY: 'tools/go-proxy-guard' });
    expect(docsBase(ctx)).toBe('https://ghes.corp.example/tools/go-proxy-guard');
    expect(docsLinks(ctx).localProxy).toBe(
      'https://ghes.corp.example/tools/go-proxy-guard/blob/HEAD/docs/local-proxy.md#the-local-proxy-serve',
    );
  });

  test('uses: ./ (GITHUB_ACTION_REPOSITORY empty): the package repository, not the workflow repository', () => {
    expect(docsBase(github({ GITHUB_ACTION_REPOSITORY: '' }))).toBe(CANONICAL);
    expect(docsBase(github({}))).toBe(CANONICAL);
  });
});

describe('GitLab: the component project the template names (engine-project)', () => {
  const gitlab = (env: Record<string, string>) => gitlabRunContext({ CI_PROJECT_PATH: 'acme/app', ...env });

  test('on gitlab.com, and on a GitLab under a relative URL root', () => {
    const ctx = gitlab({ CI_SERVER_URL: 'https://gitlab.com', GPG_ENGINE_PROJECT: 'go-proxy-guard/go-proxy-guard' });
    expect(docsLinks(ctx).score).toBe(
      'https://gitlab.com/go-proxy-guard/go-proxy-guard/-/blob/HEAD/docs/probing.md#probing-and-the-health-score',
    );
    expect(issuesUrl(ctx)).toBe('https://gitlab.com/go-proxy-guard/go-proxy-guard/-/issues');
    const mirror = gitlab({ CI_SERVER_URL: 'https://corp.example/gitlab/', GPG_ENGINE_PROJECT: 'platform/ci/go-proxy-guard' });
    expect(docsBase(mirror)).toBe('https://corp.example/gitlab/platform/ci/go-proxy-guard');
    expect(docsLinks(mirror).history).toBe(
      'https://corp.example/gitlab/platform/ci/go-proxy-guard/-/blob/HEAD/docs/summary-and-alerts.md#health-history-and-metrics',
    );
  });

  test('the CLI run as `gitlab` outside the template (no engine-project): the package repository, on GitHub', () => {
    expect(docsBase(gitlab({ CI_SERVER_URL: 'https://gitlab.com' }))).toBe(CANONICAL);
    expect(docsLinks(gitlab({ CI_SERVER_URL: 'https://gitlab.com' })).ladder).toBe(
      `${CANONICAL}/blob/HEAD/docs/ladder-and-caches.md#the-degradation-ladder`,
    );
  });
});

describe('values that cannot make a plain link fall back to the package repository', () => {
  test.each([
    ['a script URL', 'javascript:alert(1)', 'acme/go-proxy-guard'],
    ['credentials in the server URL', 'https://user:pw@github.example', 'acme/go-proxy-guard'],
    ['a query', 'https://github.example/?x=1', 'acme/go-proxy-guard'],
    ['a path that closes a Markdown link', 'https://github.example', 'acme/x)[y](http://evil.example'],
    ['a path that climbs', 'https://github.example', 'acme/../evil'],
    ['a single segment', 'https://github.example', 'go-proxy-guard'],
  ])('%s', (_name, serverUrl, repo) => {
    const ctx = githubRunContext({ GITHUB_SERVER_URL: serverUrl, GITHUB_ACTION_REPOSITORY: repo });
    expect(docsBase(ctx)).toBe(CANONICAL);
    expect(docsLinks(ctx).score).toBe(`${CANONICAL}/blob/HEAD/docs/probing.md#probing-and-the-health-score`);
    expect(issuesUrl(ctx)).toBe(`${CANONICAL}/issues`);
  });
});

describe('the summary and errors take their links from the run context', () => {
  test('every docs link of a summary goes to the source, none to a placeholder', () => {
    const report = runReport({
      exportedGoproxy: 'http://127.0.0.1:1/…|https://proxy.golang.org|direct',
      serve: { url: 'http://127.0.0.1:1', upstreams: ['https://proxy.golang.org'] },
      warm: warmReport(),
    });
    const ctx = githubRunContext({ GITHUB_SERVER_URL: 'https://github.example', GITHUB_ACTION_REPOSITORY: 'acme/go-proxy-guard' });
    const md = renderSummary(report, { context: ctx });
    const links = [...md.matchAll(/\]\((https?:\/\/[^)]+)\)/g)].map((m) => m[1]);
    const docs = links.filter((l) => l!.includes('#'));
    expect(docs.length).toBeGreaterThanOrEqual(3);
    for (const l of docs) expect(l).toMatch(/^https:\/\/github\.example\/acme\/go-proxy-guard\/blob\/HEAD\/docs\/[a-z-]+\.md#[a-z-]+$/);
    expect(md).not.toContain('github.com/org');
  });

  test('an internal failure says where to report it', () => {
    const ctx = gitlabRunContext({ CI_SERVER_URL: 'https://gitlab.example', GPG_ENGINE_PROJECT: 'tools/go-proxy-guard' });
    const text = internalFailure('go-proxy-guard', new Error('boom'), ctx);
    expect(text.split('\n')[0]).toBe('go-proxy-guard failed: Error: boom');
    expect(text.split('\n').pop()).toBe(
      'If nothing above points at this machine, please report it with this log: https://gitlab.example/tools/go-proxy-guard/-/issues',
    );
  });
});
