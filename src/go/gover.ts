/**
 * Go version numbers as the go command reads them (internal/gover and
 * cmd/go/internal/gover): "1.21" is a language version and sorts before
 * "1.21rc1", which sorts before "1.21.0"; "1.20" means "1.20.0" (patch
 * missing counts as 0 only before 1.21). Toolchain names are "go" + version,
 * with an optional suffix after "-", space or tab ("go1.21.1-bigcorp").
 */

interface Version {
  major: string;
  minor: string;
  patch: string;
  /** "", "alpha", "beta", "rc" (any lower-case word sorts by name). */
  kind: string;
  pre: string;
}

const NONE: Version = { major: '', minor: '', patch: '', kind: '', pre: '' };

/** A decimal without a needless leading zero, and what follows it. */
function cutInt(x: string): { n: string; rest: string } | undefined {
  const m = /^\d+/.exec(x);
  if (!m || (m[0].length > 1 && m[0].startsWith('0'))) return undefined;
  return { n: m[0], rest: x.slice(m[0].length) };
}

function parse(x: string): Version {
  const major = cutInt(x);
  if (!major) return NONE;
  if (major.rest === '') return { ...NONE, major: major.n, minor: '0', patch: '0' };
  if (!major.rest.startsWith('.')) return NONE;
  const minor = cutInt(major.rest.slice(1));
  if (!minor) return NONE;
  const v: Version = { ...NONE, major: major.n, minor: minor.n };
  if (minor.rest === '') return cmpInt(v.minor, '21') < 0 ? { ...v, patch: '0' } : v;
  if (minor.rest.startsWith('.')) {
    // No pre-releases of patch releases: "1.21.3rc1" is not a version.
    const patch = cutInt(minor.rest.slice(1));
    return patch && patch.rest === '' ? { ...v, patch: patch.n } : NONE;
  }
  const kind = /^[a-z]+/.exec(minor.rest)?.[0];
  if (!kind) return NONE;
  const after = minor.rest.slice(kind.length);
  if (after === '') return { ...v, kind };
  const pre = cutInt(after);
  return pre && pre.rest === '' ? { ...v, kind, pre: pre.n } : NONE;
}

/** Decimal strings compared as numbers (any length). */
function cmpInt(x: string, y: string): number {
  if (x === y) return 0;
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return x < y ? -1 : 1;
}

const cmpStr = (x: string, y: string) => (x === y ? 0 : x < y ? -1 : 1);

/** gover.Compare: -1, 0 or +1. Invalid versions (and "") sort before every valid one. */
export function compareGo(x: string, y: string): number {
  const a = parse(x);
  const b = parse(y);
  return cmpInt(a.major, b.major) || cmpInt(a.minor, b.minor) || cmpInt(a.patch, b.patch) || cmpStr(a.kind, b.kind) || cmpInt(a.pre, b.pre);
}

export const isValidGo = (x: string): boolean => parse(x).major !== '';

/** A language version: "1.21", not "1.21.0" nor "1.21rc1". */
export function isLangGo(x: string): boolean {
  const v = parse(x);
  return v.major !== '' && v.patch === '' && v.kind === '' && v.pre === '';
}

/** gover.FromToolchain: "go1.21.3" -> "1.21.3", "go1.21.1-bigcorp" -> "1.21.1", anything else -> "". */
export function goVersionOfToolchain(name: string): string {
  if (/[\\/]/.test(name) || !name.startsWith('go')) return '';
  const v = name.slice(2).split(/[ \t-]/)[0] ?? '';
  return isValidGo(v) ? v : '';
}
