/**
 * The proxy protocol's case encoding (golang.org/x/mod/module.EscapePath):
 * every upper-case letter becomes "!" plus its lower-case form, so that
 * case-insensitive file systems behind proxies never confuse two modules.
 */
export function escapeModulePath(path: string): string {
  return path.replace(/[A-Z]/g, (c) => `!${c.toLowerCase()}`);
}

export const escapeVersion = escapeModulePath;

/** Pseudo-versions (v0.0.0-20200101000000-abcdef123456) never appear in @v/list. */
export function isPseudoVersion(version: string): boolean {
  return /^v[0-9]+\.(0\.0-|\d+\.\d+-([^+]*\.)?0\.)\d{14}-[A-Za-z0-9]+(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/.test(version);
}

export interface ModuleVersion {
  path: string;
  version: string;
}

export const moduleId = (m: ModuleVersion): string => `${m.path}@${m.version}`;

/** Inverse of escapeModulePath; undefined for what no escaping produces (a capital, a dangling "!"). */
export function unescapeModulePath(escaped: string): string | undefined {
  if (/[A-Z]/.test(escaped) || /![^a-z]|!$/.test(escaped)) return undefined;
  return escaped.replace(/!([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/** A canonical semantic version as the go command writes it (v1.2.3, v1.2.3-pre, v2.0.0+incompatible). */
export function isCanonicalVersion(version: string): boolean {
  return /^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+incompatible)?$/.test(version);
}

/**
 * Semantic version order (golang.org/x/mod/semver.Compare) for canonical
 * versions; build metadata is ignored, a pre-release sorts before its release.
 */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const m = /^v(\d+)\.(\d+)\.(\d+)(?:-([^+]*))?/.exec(v);
    return m ? { nums: [m[1], m[2], m[3]].map(Number), pre: m[4] } : { nums: [0, 0, 0], pre: undefined };
  };
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < 3; i++) if (x.nums[i] !== y.nums[i]) return (x.nums[i] as number) - (y.nums[i] as number);
  if (x.pre === y.pre) return 0;
  if (x.pre === undefined) return 1;
  if (y.pre === undefined) return -1;
  const xs = x.pre.split('.');
  const ys = y.pre.split('.');
  for (let i = 0; i < Math.max(xs.length, ys.length); i++) {
    const p = xs[i];
    const q = ys[i];
    if (p === undefined) return -1;
    if (q === undefined) return 1;
    if (p === q) continue;
    const pn = /^\d+$/.test(p);
    const qn = /^\d+$/.test(q);
    if (pn && qn) return Number(p) - Number(q) || p.length - q.length;
    if (pn !== qn) return pn ? -1 : 1;
    return p < q ? -1 : 1;
  }
  return 0;
}

/** The version `@latest` names among known ones: the highest release, else the highest pre-release. */
export function latestOf(versions: readonly string[]): string | undefined {
  const canonical = versions.filter(isCanonicalVersion);
  const releases = canonical.filter((v) => !/^v\d+\.\d+\.\d+-/.test(v));
  const pool = releases.length > 0 ? releases : canonical;
  return [...pool].sort(compareVersions).pop();
}
