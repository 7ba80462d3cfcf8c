import { parseGoproxy, proxyUrls } from '../goproxy/chain.js';
import { PROXY_PRESETS } from '../goproxy/presets.js';
import { sameProxy } from '../goproxy/proxy-url.js';

/**
 * The entries of the user's own GOPROXY (http(s) only), then proxy.golang.org (go's own default), deduplicated.
 * No other mirror is probed, or sent the project's module list, unless the user names it (a URL or a preset).
 */
export function defaultCandidates(goproxy: string): string[] {
  const own = proxyUrls(parseGoproxy(goproxy)).filter((u) => /^https?:\/\//i.test(u));
  const out: string[] = [];
  for (const url of [...own, ...PROXY_PRESETS.golang]) if (!out.some((u) => sameProxy(u, url))) out.push(url);
  return out;
}
