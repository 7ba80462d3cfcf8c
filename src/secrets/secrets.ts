/**
 * Every secret the run knows (proxy passwords, webhook URLs, signing keys,
 * tokens) is registered here once; anything that leaves the process (log
 * line, output, report, summary, alert) goes through `mask`.
 */
export class Secrets {
  private readonly values = new Set<string>();

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

  /** Register the credentials of a URL and return the URL as it may be shown. */
  addUrl(url: string): string {
    try {
      const u = new URL(url);
      // A lone user name is a token (https://TOKEN@host): as secret as a password.
      const secret = u.password || u.username;
      if (secret) {
        this.add(safeDecode(secret));
        this.add(secret);
      }
    } catch {
      /* not a URL: nothing to register */
    }
    return redactUrl(url);
  }

  mask(text: string): string {
    let out = text;
    // Longest first, so a secret that contains another is replaced whole.
    for (const v of [...this.values].sort((a, b) => b.length - a.length)) out = out.split(v).join('***');
    return out;
  }

  get size(): number {
    return this.values.size;
  }
}

/**
 * https://user:pass@host/path -> https://user:***@host/path, https://TOKEN@host
 * -> https://***@host; the rest of the text stays exactly as written.
 */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)@/i, (_, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':');
    return `${scheme}${colon >= 0 ? `${userinfo.slice(0, colon)}:***` : '***'}@`;
  });
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
