import { proxyUrls, type Chain } from './chain.js';
import { PROXY_PRESETS } from './presets.js';
import { sameProxy } from './proxy-url.js';

/** The http(s) proxies of the user's own GOPROXY: what the go command asks (file:// and the end words left out). */
export function ownProxies(userChain: Chain): string[] {
  return proxyUrls(userChain).filter((u) => /^https?:\/\//i.test(u));
}

/**
 * The entries of the user's own GOPROXY (http(s) only), then proxy.golang.org (go's own default), deduplicated.
 * No other mirror is probed, or sent the project's module list, unless the user names it (a URL or a preset).
 */
export function defaultCandidates(userChain: Chain): string[] {
  const out: string[] = [];
  for (const url of [...ownProxies(userChain), ...PROXY_PRESETS.golang]) if (!out.some((u) => sameProxy(u, url))) out.push(url);
  return out;
}
