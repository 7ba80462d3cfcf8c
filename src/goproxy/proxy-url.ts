/** A proxy URL without its user info: what is shown, compared, or sent without credentials. */
export function withoutUserinfo(url: string): string {
  try {
    const u = new URL(url);
    if (!u.username && !u.password) return url;
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return url;
  }
}

/** Same proxy? Compares scheme, host and path, ignoring user info (the go command prints it as user:xxxxx). */
export function sameProxy(a: string, b: string): boolean {
  const norm = (s: string) => withoutUserinfo(s).replace(/\/+$/, '').toLowerCase();
  return norm(a) === norm(b);
}

/** Does `url` (a request the go command printed) go to `proxy`? */
export function isUnderProxy(url: string, proxy: string): boolean {
  const base = withoutUserinfo(proxy).replace(/\/+$/, '').toLowerCase();
  const target = withoutUserinfo(url).toLowerCase();
  return target === base || target.startsWith(`${base}/`);
}
