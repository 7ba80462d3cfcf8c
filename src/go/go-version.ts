/**
 * The oldest go the guard drives. GOAUTH and its URL-prefix netrc matching
 * (how credentials reach a proxy, go 1.24) are what the guard relies on; older
 * go releases are past their support and read netrc by host alone.
 */
export const MIN_GO = { major: 1, minor: 24 };

export const SUPPORTED_GO = `go ${MIN_GO.major}.${MIN_GO.minor} or newer`;

/** Major and minor of a GOVERSION such as go1.26.8, go1.27rc1 or "devel go1.28-…"; undefined when unreadable. */
export function goRelease(goversion: string): { major: number; minor: number } | undefined {
  const m = /go(\d+)\.(\d+)/.exec(goversion);
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : undefined;
}

/** Why this go cannot be used, or undefined when it can (an unreadable version is given the benefit of the doubt). */
export function unsupportedGo(goversion: string): string | undefined {
  const v = goRelease(goversion);
  if (!v || goversion.includes('devel')) return undefined;
  if (v.major > MIN_GO.major || (v.major === MIN_GO.major && v.minor >= MIN_GO.minor)) return undefined;
  return `${goversion} is not supported: go-proxy-guard needs ${SUPPORTED_GO} (GOAUTH and its netrc rules). Install a newer go before this step (actions/setup-go, or an image with go ${MIN_GO.major}.${MIN_GO.minor}+).`;
}
