import pkg from '../../package.json' with { type: 'json' };
import type { ActionSource, RunContext } from '../model/run-context.js';

/**
 * Where the words a summary, an alert or an error uses are explained, and
 * where to report a bug: the repository (or GitLab project) the running copy
 * of go-proxy-guard really comes from, so that a fork or a mirror links to
 * itself. One place decides it, from the run context alone.
 */

/**
 * The docs sections the summaries link to, by what they explain: a page under
 * docs/ and a heading's anchor in it (GitHub and GitLab make the same anchors
 * of these headings). A test checks that each heading exists.
 */
export const DOCS_SECTIONS = {
  ladder: { page: 'docs/ladder-and-caches.md', anchor: 'the-degradation-ladder' },
  score: { page: 'docs/probing.md', anchor: 'probing-and-the-health-score' },
  localProxy: { page: 'docs/local-proxy.md', anchor: 'the-local-proxy-serve' },
  history: { page: 'docs/summary-and-alerts.md', anchor: 'health-history-and-metrics' },
} as const;

export type DocsTopic = keyof typeof DOCS_SECTIONS;
export type DocsLinks = Record<DocsTopic, string>;

/** The package's own repository (package.json `repository`): the npm CLI's home, and the last resort of every front door. */
export const PACKAGE_HOME = pkg.repository.url.replace(/^git\+/, '').replace(/\.git$/, '');

/** A path on a forge: owner/repo, group/subgroup/project; no empty, "." or ".." segment. */
const FORGE_PATH = /^(?!.*(^|\/)\.{1,2}(\/|$))[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)+$/;

/** The web page of a source, or undefined when its values cannot make a plain http(s) link. */
function sourceHome(source: ActionSource | undefined): string | undefined {
  if (!source || !FORGE_PATH.test(source.path) || !URL.canParse(source.serverUrl)) return undefined;
  const server = new URL(source.serverUrl);
  if (!/^https?:$/.test(server.protocol) || server.username || server.password || server.search || server.hash) return undefined;
  return `${server.origin}${server.pathname.replace(/\/+$/, '')}/${source.path}`;
}

/**
 * The home page of the go-proxy-guard that runs: the action's repository on
 * GitHub (GITHUB_SERVER_URL/GITHUB_ACTION_REPOSITORY), the component's project
 * on GitLab (CI_SERVER_URL/engine-project), else the package's own repository.
 */
export function docsBase(ctx: Pick<RunContext, 'source'> | undefined): string {
  return sourceHome(ctx?.source) ?? PACKAGE_HOME;
}

/** A link to each docs section the summaries name: the file on the default branch (HEAD), as each forge writes it. */
export function docsLinks(ctx: Pick<RunContext, 'source'> | undefined): DocsLinks {
  const home = sourceHome(ctx?.source);
  // The package's own repository is on GitHub.
  const files = home && ctx?.source?.forge === 'gitlab' ? `${home}/-/blob/HEAD` : `${home ?? PACKAGE_HOME}/blob/HEAD`;
  return Object.fromEntries(
    Object.entries(DOCS_SECTIONS).map(([topic, { page, anchor }]) => [topic, `${files}/${page}#${anchor}`]),
  ) as DocsLinks;
}

/** Where to report a bug: the issues of the same repository or project (package.json `bugs` for the package). */
export function issuesUrl(ctx: Pick<RunContext, 'source'> | undefined): string {
  const home = sourceHome(ctx?.source);
  if (!home) return pkg.bugs.url;
  return ctx?.source?.forge === 'gitlab' ? `${home}/-/issues` : `${home}/issues`;
}

/** An unexpected failure (not a bad input): what failed, its stack, and where to report it. */
export function internalFailure(what: string, err: unknown, ctx: Pick<RunContext, 'source'> | undefined): string {
  return `${what} failed: ${(err as Error)?.stack ?? err}\nIf nothing above points at this machine, please report it with this log: ${issuesUrl(ctx)}`;
}
