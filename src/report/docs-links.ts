import pkg from '../../package.json' with { type: 'json' };
import type { ActionSource, RunContext } from './run-context.js';

/**
 * Where the words a summary, an alert or an error uses are explained, and
 * where to report a bug: the repository (or GitLab project) the running copy
 * of go-proxy-guard really comes from, so that a fork or a mirror links to
 * itself. One place decides it, from the run context alone.
 */

/** The README sections the summaries link to, by what they explain (GitHub and GitLab make the same anchors of them). */
const SECTIONS = {
  ladder: 'the-degradation-ladder',
  score: 'probing-and-the-health-score',
  localProxy: 'the-local-proxy-serve',
  history: 'health-history-and-metrics',
} as const;

export type DocsTopic = keyof typeof SECTIONS;
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
 * The docs base URL: the home page (with its README) of the action's
 * repository on GitHub (GITHUB_SERVER_URL/GITHUB_ACTION_REPOSITORY), of the
 * component's project on GitLab (CI_SERVER_URL/engine-project), else the
 * package's own repository.
 */
export function docsBase(ctx: Pick<RunContext, 'source'> | undefined): string {
  return sourceHome(ctx?.source) ?? PACKAGE_HOME;
}

/** A link to each README section the summaries name. */
export function docsLinks(ctx: Pick<RunContext, 'source'> | undefined): DocsLinks {
  const base = docsBase(ctx);
  return Object.fromEntries(Object.entries(SECTIONS).map(([topic, anchor]) => [topic, `${base}#${anchor}`])) as DocsLinks;
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
