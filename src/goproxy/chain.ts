import { pathToFileURL } from 'node:url';
import type { ChainEnd, ChainEntry } from '../model/chain-entry.js';
import { netrcMachineFor, type NetrcEntry } from './netrc.js';

export type { ChainEnd, ChainEntry };

/**
 * GOPROXY as the go command reads it (cmd/go/internal/modfetch/proxy.go):
 * entries split on "," (fall through only on 404/410) or "|" (fall through on
 * any error); "direct" and "off" end the list; a bare host gets https://.
 * This file is the only one that reads or writes that grammar: everywhere
 * else a GOPROXY is a Chain, made and changed by the functions below.
 */
export type Chain = ChainEntry[];

export function parseGoproxy(value: string): Chain {
  const chain: Chain = [];
  let rest = value;
  while (rest !== '') {
    const i = rest.search(/[,|]/);
    const raw = (i >= 0 ? rest.slice(0, i) : rest).trim();
    const fallBackOnError = i >= 0 && rest[i] === '|';
    rest = i >= 0 ? rest.slice(i + 1) : '';
    if (raw === '') continue;
    if (raw === 'off' || raw === 'direct') {
      chain.push({ kind: raw });
      break; // the go command ignores whatever follows
    }
    chain.push({ kind: 'proxy', url: withImpliedScheme(raw), fallBackOnError });
  }
  return chain;
}

/** The go command adds https:// to anything that looks like a host but has no scheme. */
export function withImpliedScheme(raw: string): string {
  if (/[.:/]/.test(raw) && !raw.includes(':/') && !raw.startsWith('/')) return `https://${raw}`;
  return raw;
}

/** The GOPROXY value of a chain, for the go command's environment and for the eye. */
export function formatGoproxy(chain: readonly ChainEntry[]): string {
  return chain
    .map((entry, i) => {
      if (entry.kind !== 'proxy') return entry.kind;
      const last = i === chain.length - 1;
      return last ? entry.url : entry.url + (entry.fallBackOnError ? '|' : ',');
    })
    .join('');
}

/** GOPROXY=off: the module cache alone, no network at all. */
export const offline = (): Chain => [{ kind: 'off' }];

/** GOPROXY=direct: every module from its origin (version control). */
export const directOnly = (): Chain => [{ kind: 'direct' }];

/**
 * A module cache's download directory as the only proxy, then off: the go
 * command takes what is there and fetches nothing (a missing file counts as
 * not found, so "," is enough).
 */
export const fileProxy = (downloadDir: string): Chain => [
  { kind: 'proxy', url: pathToFileURL(downloadDir).href, fallBackOnError: false },
  { kind: 'off' },
];

export interface ChainPlan {
  proxies: string[];
  fallback: 'any-error' | 'not-found';
  terminal: ChainEnd;
}

/** Build the chain to export: ranked proxies, joined per the fallback policy, then the terminal word. */
export function buildChain(plan: ChainPlan): Chain {
  const chain: Chain = plan.proxies.map((url) => ({
    kind: 'proxy',
    url,
    fallBackOnError: plan.fallback === 'any-error',
  }));
  if (plan.terminal !== 'none') chain.push({ kind: plan.terminal });
  return chain;
}

/**
 * The chain the ladder hands the go command while warming: every proxy falls
 * through on any error ("|"), whatever `fallback` says for the exported
 * chain, because the ladder itself decides what a failure means (it reads
 * which proxies go fell through on, retries, drops and demotes them).
 */
export function warmingChain(proxies: readonly string[]): Chain {
  return proxies.map((url) => ({ kind: 'proxy', url, fallBackOnError: true }));
}

/** The local proxy first, falling through to `chain` on any error: what the go command gets while serve runs. */
export function localFirst(localUrl: string, chain: Chain): Chain {
  return [{ kind: 'proxy', url: localUrl, fallBackOnError: true }, ...chain];
}

/** The proxy URLs of a chain, without direct/off. */
export function proxyUrls(chain: readonly ChainEntry[]): string[] {
  return chain.flatMap((e) => (e.kind === 'proxy' ? [e.url] : []));
}

/** How a chain ends (the user's own GOPROXY: so that an exported chain never drops "off" or "direct"). */
export function terminalOf(chain: readonly ChainEntry[]): ChainEnd {
  const last = chain[chain.length - 1];
  return last && last.kind !== 'proxy' ? last.kind : 'none';
}

/** The chain as it may be shown: every proxy URL passed through `shown` (which masks credentials). */
export function shownChain(chain: readonly ChainEntry[], shown: (url: string) => string): Chain {
  return chain.map((e) => (e.kind === 'proxy' ? { ...e, url: shown(e.url) } : e));
}

/** A proxy URL without its user info; the rest stays exactly as the user wrote it. */
const withoutUserinfoAsWritten = (url: string): string => url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, '$1');

/**
 * The chain without the user:password of its proxy URLs, for places others
 * can read (a GitLab dotenv artifact, a Docker build argument, the fallback
 * after the local proxy); the go command then finds credentials in netrc.
 */
export function withoutCredentials(chain: readonly ChainEntry[]): Chain {
  return chain.map((e) => (e.kind === 'proxy' ? { ...e, url: withoutUserinfoAsWritten(e.url) } : e));
}

/**
 * The user:password of a chain's https proxy URLs as netrc lines, for when
 * withoutCredentials took them out of GOPROXY: one line per machine (the
 * proxy URL's prefix, as go 1.24+ matches it), the first winning. A lone
 * token user name cannot be written in netrc, and plain http never gets one.
 */
export function credentialsAsNetrc(chain: readonly ChainEntry[]): NetrcEntry[] {
  const entries: NetrcEntry[] = [];
  for (const e of chain) {
    if (e.kind !== 'proxy' || !URL.canParse(e.url)) continue;
    const u = new URL(e.url);
    const machine = netrcMachineFor(u);
    if (u.protocol === 'https:' && u.username && u.password && !entries.some((x) => x.machine === machine)) {
      entries.push({ machine, login: decodeURIComponent(u.username), password: decodeURIComponent(u.password) });
    }
  }
  return entries;
}

/** The netrc machines (host[:port][/path], as go 1.24+ matches them) of the proxies withoutCredentials strips. */
export function credentialHosts(chain: readonly ChainEntry[]): string[] {
  return chain.flatMap((e) => {
    if (e.kind !== 'proxy') return [];
    const bare = withoutUserinfoAsWritten(e.url);
    if (bare === e.url) return [];
    return [URL.canParse(bare) ? netrcMachineFor(new URL(bare)) : bare];
  });
}

/** `env` with GOPROXY set to `chain`: how a chain reaches the go command. */
export const withGoproxy = (env: NodeJS.ProcessEnv, chain: readonly ChainEntry[]): NodeJS.ProcessEnv => ({
  ...env,
  GOPROXY: formatGoproxy(chain),
});
