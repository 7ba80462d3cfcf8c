import { netrcMachineFor } from './netrc.js';

/**
 * GOPROXY as the go command reads it (cmd/go/internal/modfetch/proxy.go):
 * entries split on "," (fall through only on 404/410) or "|" (fall through on
 * any error); "direct" and "off" end the list; a bare host gets https://.
 */

export type ChainEntry = { kind: 'proxy'; url: string; fallBackOnError: boolean } | { kind: 'direct' } | { kind: 'off' };

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

export function formatGoproxy(chain: Chain): string {
  return chain
    .map((entry, i) => {
      if (entry.kind !== 'proxy') return entry.kind;
      const last = i === chain.length - 1;
      return last ? entry.url : entry.url + (entry.fallBackOnError ? '|' : ',');
    })
    .join('');
}

export interface ChainPlan {
  proxies: string[];
  fallback: 'any-error' | 'not-found';
  terminal: 'direct' | 'off' | 'none';
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
export function localProxyFirst(localUrl: string, chain: Chain): Chain {
  return [{ kind: 'proxy', url: localUrl, fallBackOnError: true }, ...chain];
}

/** The proxy URLs of a chain, without direct/off. */
export function proxyUrls(chain: Chain): string[] {
  return chain.flatMap((e) => (e.kind === 'proxy' ? [e.url] : []));
}

/** What the user's own GOPROXY ends with, so that an exported chain never drops "off" or "direct". */
export function terminalOf(chain: Chain): 'direct' | 'off' | 'none' {
  const last = chain[chain.length - 1];
  return last && last.kind !== 'proxy' ? last.kind : 'none';
}

/** The chain as it may be shown: every proxy URL passed through `shown` (which masks credentials). */
export function formatChainShown(chain: Chain, shown: (url: string) => string): string {
  return formatGoproxy(chain.map((e) => (e.kind === 'proxy' ? { ...e, url: shown(e.url) } : e)));
}

/** A proxy URL without its user info; the rest stays exactly as the user wrote it. */
const withoutUserinfoAsWritten = (url: string): string => url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, '$1');

/**
 * The chain without the user:password of its proxy URLs, for places others
 * can read (a GitLab dotenv artifact, a Docker build argument, the fallback
 * after the local proxy); the go command then finds credentials in netrc.
 */
export function chainWithoutCredentials(chain: Chain): Chain {
  return chain.map((e) => (e.kind === 'proxy' ? { ...e, url: withoutUserinfoAsWritten(e.url) } : e));
}

/** GOPROXY without credentials, and the hosts that lost theirs (a netrc must name them). */
export function withoutCredentials(goproxy: string): { value: string; hosts: string[] } {
  const chain = parseGoproxy(goproxy);
  const bare = chainWithoutCredentials(chain);
  const hosts = bare.flatMap((e, i) => {
    const before = chain[i];
    return e.kind === 'proxy' && before?.kind === 'proxy' && before.url !== e.url
      ? [URL.canParse(e.url) ? netrcMachineFor(new URL(e.url)) : e.url]
      : [];
  });
  return { value: hosts.length ? formatGoproxy(bare) : goproxy, hosts };
}
