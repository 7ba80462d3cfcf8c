import { parseGoproxy, proxyUrls } from '../goproxy/chain.js';
import { sameProxy } from '../goproxy/proxy-url.js';

/** The public proxies probed when the user names none. */
export const PUBLIC_PROXIES = [
  'https://proxy.golang.org',
  'https://goproxy.cn',
  'https://goproxy.io',
  'https://mirrors.aliyun.com/goproxy/',
] as const;

/** The entries of the current GOPROXY (http(s) only), then the public ones, deduplicated. */
export function defaultCandidates(goproxy: string): string[] {
  const own = proxyUrls(parseGoproxy(goproxy)).filter((u) => /^https?:\/\//i.test(u));
  const out: string[] = [];
  for (const url of [...own, ...PUBLIC_PROXIES]) if (!out.some((u) => sameProxy(u, url))) out.push(url);
  return out;
}
