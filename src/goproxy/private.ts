/**
 * GOPRIVATE / GONOPROXY / GONOSUMDB matching (golang.org/x/mod/module.MatchPrefixPatterns):
 * comma-separated globs, each matched against a leading run of path elements.
 */
export function matchesPrefixPatterns(patterns: string, modulePath: string): boolean {
  for (const raw of patterns.split(',')) {
    const pattern = raw.trim();
    if (pattern === '') continue;
    const n = pattern.split('/').length;
    const elems = modulePath.split('/');
    if (elems.length < n) continue;
    if (globMatch(pattern, elems.slice(0, n).join('/'))) return true;
  }
  return false;
}

/** path.Match: `*` and `?` never cross "/", `[...]` classes, `\` escapes. */
function globMatch(pattern: string, name: string): boolean {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '\\' && i + 1 < pattern.length) re += escapeRe(pattern[++i] as string);
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) return false;
      let cls = pattern.slice(i + 1, end);
      if (cls.startsWith('^')) cls = `^${cls.slice(1)}`;
      re += `[${cls.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else re += escapeRe(c);
  }
  return new RegExp(`${re}$`).test(name);
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/**
 * A GONOPROXY pattern no module path matches: offline runs must not let the
 * go command fetch private modules with direct behind our back.
 */
export const NO_MODULE = 'go-proxy-guard.invalid/no-module';
