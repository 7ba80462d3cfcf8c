/**
 * Every secret the run knows (proxy passwords, webhook URLs, signing keys,
 * tokens) is registered here once; anything that leaves the process (log
 * line, output, report, summary, alert) goes through `mask`.
 */
export class Secrets {
  private readonly values = new Set<string>();
  /** Values outputs carry as they are (see addAccessToken). */
  private readonly forOutputs = new Set<string>();

  constructor(private readonly onAdd: (value: string) => void = () => {}) {}

  add(value: string | undefined): void {
    if (!value || value.length < 3) return;
    // URL-encoded forms leak too (a password with "@" appears as %40 in a URL); encode once, never again.
    for (const v of new Set([value, encodeURIComponent(value)])) {
      if (this.values.has(v)) continue;
      this.values.add(v);
      this.onAdd(v);
    }
  }

  /**
   * Register the credentials of a URL and return the URL as it may be shown.
   * Read with a pattern, not `new URL`: a URL an input check is about to
   * refuse (`ftp://user:pw@x`, no scheme) must be registered all the same.
   */
  addUrl(url: string): string {
    const info = userinfoOf(url);
    if (info) {
      for (const part of [info.password, userNameIsSecret(info) ? info.user : '']) {
        if (!part) continue;
        this.add(safeDecode(part));
        this.add(part);
      }
    }
    return redactUrl(url);
  }

  /**
   * A token later steps of this job must be handed as it is (the local
   * proxy's, in the `local-proxy` output and the exported GOPROXY) but that
   * no log line, summary or report may show: registered with the runner's
   * masking like any secret, masked by `mask`, kept by `maskOutput`.
   */
  addAccessToken(token: string): void {
    this.add(token);
    this.forOutputs.add(token);
  }

  mask(text: string): string {
    return this.replace(text, [...this.values]);
  }

  /** For outputs: every secret masked except the access tokens later steps need. */
  maskOutput(text: string): string {
    return this.replace(
      text,
      [...this.values].filter((v) => !this.forOutputs.has(v)),
    );
  }

  private replace(text: string, values: string[]): string {
    let out = text;
    // Longest first, so a secret that contains another is replaced whole.
    for (const v of values.sort((a, b) => b.length - a.length)) out = out.split(v).join('***');
    return out;
  }

  get size(): number {
    return this.values.size;
  }
}

/** Services that take the token as the user name put a fixed word in the password (GitHub: TOKEN:x-oauth-basic). */
const TOKEN_PASSWORDS = new Set(['x-oauth-basic']);

interface Userinfo {
  /** As written (maybe percent-encoded). */
  user: string;
  password: string;
}

/** `user:password` before the last `@` of the authority; the scheme may be missing. */
function userinfoOf(url: string): Userinfo | undefined {
  const m = /^(?:[a-z][a-z0-9+.-]*:\/\/)?([^/?#]*)@/i.exec(url.trim());
  if (!m?.[1]) return undefined;
  const colon = m[1].indexOf(':');
  return colon < 0 ? { user: m[1], password: '' } : { user: m[1].slice(0, colon), password: m[1].slice(colon + 1) };
}

/**
 * Whether the user name is a credential: a lone user name (https://TOKEN@host),
 * one next to a placeholder password, or one that looks like a token (long,
 * or letters mixed with digits). Plain names like `bot` or `ci` stay visible,
 * so that masking them does not blank the same word everywhere else.
 */
export function userNameIsSecret({ user, password }: Userinfo): boolean {
  const name = safeDecode(user);
  if (!password || TOKEN_PASSWORDS.has(safeDecode(password).toLowerCase())) return true;
  return name.length >= 20 || (name.length >= 8 && /\d/.test(name) && /[a-z]/i.test(name));
}

/**
 * https://user:pass@host/path -> https://user:***@host/path; a user name that
 * is a credential goes too (https://***:***@host, https://***@host). The rest
 * of the text stays exactly as written.
 */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)@/i, (_, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':');
    if (colon < 0) return `${scheme}***@`;
    const info = { user: userinfo.slice(0, colon), password: userinfo.slice(colon + 1) };
    return `${scheme}${userNameIsSecret(info) ? '***' : info.user}:***@`;
  });
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
