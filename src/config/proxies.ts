import { withImpliedScheme } from '../goproxy/chain.js';
import { presetOf } from '../goproxy/presets.js';
import { sameProxy } from '../goproxy/proxy-url.js';
import { redactUrl } from '../secrets/secrets.js';
import { InputError } from './errors.js';
import { parseList } from './parse.js';

/** Candidate proxy URLs: http(s) URLs, bare hosts or presets (preset:china); "direct"/"off" belong to other inputs. */
export function parseProxies(raw: string): string[] {
  const entries = parseList(raw.replace(/\|/g, ','));
  if (entries.length === 0) throw new InputError('proxies', raw, 'must list at least one proxy URL');
  const out: string[] = [];
  for (const entry of entries) {
    const preset = presetOf(entry);
    if (preset instanceof Error) throw new InputError('proxies', entry, preset.message);
    for (const url of preset ?? [normaliseProxyUrl(entry)]) if (!out.some((u) => sameProxy(u, url))) out.push(url);
  }
  return out;
}

export function normaliseProxyUrl(entry: string): string {
  if (entry === 'direct' || entry === 'off') {
    throw new InputError('proxies', entry, `must list proxy URLs only; "${entry}" is set with the "direct" input`);
  }
  const url = withImpliedScheme(entry);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InputError('proxies', redactUrl(entry), 'must list http(s) URLs or bare host names like goproxy.io');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new InputError('proxies', redactUrl(entry), 'must list http:// or https:// URLs (or bare host names)');
  }
  if (!parsed.hostname || parsed.search || parsed.hash) {
    throw new InputError('proxies', redactUrl(entry), 'must list proxy base URLs without query or fragment');
  }
  try {
    decodeURIComponent(parsed.username);
    decodeURIComponent(parsed.password);
  } catch {
    throw new InputError('proxies', redactUrl(entry), 'must percent-encode special characters in user info (a literal % is %25)');
  }
  return url;
}
