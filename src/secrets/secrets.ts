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
      if (u.password) this.add(decodeURIComponent(u.password));
      if (u.password) this.add(u.password);
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

/** https://user:pass@host/path -> https://user:***@host/path; other text unchanged. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (!u.password) return url;
    u.password = '***';
    return u.toString().replace('%2A%2A%2A', '***');
  } catch {
    return url;
  }
}
