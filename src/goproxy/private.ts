/**
 * GOPRIVATE / GONOPROXY / GONOSUMDB matching, exactly as the go command
 * does it (golang.org/x/mod/module.MatchPrefixPatterns, on path.Match): a
 * comma-separated list of globs, each with one trailing "/" dropped and
 * nothing else trimmed (" a.example" is a pattern with a leading space, which
 * matches nothing), each matched against as many leading elements of the
 * module path as it has. A pattern path.Match calls bad matches nothing.
 * Any difference from go means the guard asks a public proxy for a module go
 * keeps private, or the reverse: tested against the real go command
 * (__tests__/private-patterns.test.ts).
 */
export function matchesPrefixPatterns(globs: string, target: string): boolean {
  let rest = globs;
  while (rest !== '') {
    const comma = rest.indexOf(',');
    let glob = comma >= 0 ? rest.slice(0, comma) : rest;
    rest = comma >= 0 ? rest.slice(comma + 1) : '';
    if (glob.endsWith('/')) glob = glob.slice(0, -1);
    if (glob === '') continue;
    // A glob with n slashes is matched against the target up to (not including) its n+1'th slash.
    let n = [...glob].filter((c) => c === '/').length;
    let prefix = target;
    for (let i = 0; i < target.length; i++) {
      if (target[i] !== '/') continue;
      if (n === 0) {
        prefix = target.slice(0, i);
        break;
      }
      n--;
    }
    if (n > 0) continue;
    if (pathMatch(Buffer.from(glob, 'utf8'), Buffer.from(prefix, 'utf8'))) return true;
  }
  return false;
}

/**
 * Go's path.Match on the UTF-8 bytes, as go reads them: `*` any run of
 * non-"/" bytes, `?` one non-"/" character, `[...]` / `[^...]` classes of
 * characters and ranges, `\` escapes. false for a bad pattern, as
 * MatchPrefixPatterns ignores path.Match's error.
 */
export function pathMatch(pattern: Uint8Array, name: Uint8Array): boolean {
  let p = 0;
  let s = 0;
  pattern: while (p < pattern.length) {
    const { star, chunkEnd } = scanChunk(pattern, p);
    const chunkStart = star.end;
    p = chunkEnd;
    if (star.found && chunkStart === chunkEnd) return name.indexOf(SLASH, s) < 0;
    const here = matchChunk(pattern, chunkStart, chunkEnd, name, s);
    if (here === BAD) return false;
    if (here !== NO && (here === name.length || p < pattern.length)) {
      s = here;
      continue;
    }
    if (star.found) {
      // Skip one more byte of the name each time, never past a "/".
      for (let i = s; i < name.length && name[i] !== SLASH; i++) {
        const skipped = matchChunk(pattern, chunkStart, chunkEnd, name, i + 1);
        if (skipped === BAD) return false;
        if (skipped === NO) continue;
        if (p === pattern.length && skipped < name.length) continue;
        s = skipped;
        continue pattern;
      }
    }
    return false;
  }
  return s === name.length;
}

const SLASH = 0x2f;
/** matchChunk's outcomes besides the index of the rest of the name. */
const NO = -1;
const BAD = -2;

/** path.scanChunk: leading stars, then the chunk up to the next star outside a class. */
function scanChunk(pattern: Uint8Array, from: number): { star: { found: boolean; end: number }; chunkEnd: number } {
  let i = from;
  while (i < pattern.length && pattern[i] === 0x2a) i++;
  const star = { found: i > from, end: i };
  let inRange = false;
  for (; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === 0x5c) {
      if (i + 1 < pattern.length) i++;
    } else if (c === 0x5b) inRange = true;
    else if (c === 0x5d) inRange = false;
    else if (c === 0x2a && !inRange) return { star, chunkEnd: i };
  }
  return { star, chunkEnd: pattern.length };
}

/**
 * path.matchChunk: does pattern[c..end) (no stars) match the start of
 * name[s..]? The index after the match, NO, or BAD for a malformed chunk
 * (checked to its end even once the match has failed, as go does).
 */
function matchChunk(pattern: Uint8Array, c: number, end: number, name: Uint8Array, s: number): number {
  let failed = false;
  while (c < end) {
    failed = failed || s >= name.length;
    const ch = pattern[c] as number;
    if (ch === 0x5b) {
      let r = 0;
      if (!failed) {
        const [rune, size] = decodeRune(name, s);
        r = rune;
        s += size;
      }
      const cls = matchClass(pattern, c + 1, end, r);
      if (cls === undefined) return BAD;
      c = cls.next;
      failed = failed || !cls.match;
    } else if (ch === 0x3f) {
      if (!failed) {
        failed = name[s] === SLASH;
        s += decodeRune(name, s)[1];
      }
      c++;
    } else {
      if (ch === 0x5c) {
        c++;
        if (c >= end) return BAD;
      }
      if (!failed) {
        failed = pattern[c] !== name[s];
        s++;
      }
      c++;
    }
  }
  return failed ? NO : s;
}

/** A character class after its "[": whether `r` is in it, and where the pattern goes on; undefined when malformed. */
function matchClass(pattern: Uint8Array, c: number, end: number, r: number): { match: boolean; next: number } | undefined {
  let negated = false;
  if (c < end && pattern[c] === 0x5e) {
    negated = true;
    c++;
  }
  let match = false;
  for (let ranges = 0; ; ranges++) {
    if (c < end && pattern[c] === 0x5d && ranges > 0) return { match: match !== negated, next: c + 1 };
    const lo = classChar(pattern, c, end);
    if (!lo) return undefined;
    let hi = lo;
    if (pattern[lo.next] === 0x2d) {
      hi = classChar(pattern, lo.next + 1, end) as typeof lo;
      if (!hi) return undefined;
    }
    match = match || (lo.rune <= r && r <= hi.rune);
    c = hi.next;
  }
}

/** path.getEsc: one (possibly escaped) character of a class; undefined when malformed or when the class would end unclosed. */
function classChar(pattern: Uint8Array, c: number, end: number): { rune: number; next: number } | undefined {
  if (c >= end || pattern[c] === 0x2d || pattern[c] === 0x5d) return undefined;
  if (pattern[c] === 0x5c) {
    c++;
    if (c >= end) return undefined;
  }
  const [rune, size] = decodeRune(pattern.subarray(0, end), c);
  if (rune === RUNE_ERROR && size === 1) return undefined;
  if (c + size >= end) return undefined;
  return { rune, next: c + size };
}

const RUNE_ERROR = 0xfffd;

/** utf8.DecodeRune: the rune at b[i] and its width; (RuneError, 1) for an invalid byte, (RuneError, 0) at the end. */
function decodeRune(b: Uint8Array, i: number): [number, number] {
  if (i >= b.length) return [RUNE_ERROR, 0];
  const b0 = b[i] as number;
  if (b0 < 0x80) return [b0, 1];
  let size: number;
  let lo = 0x80;
  let hi = 0xbf;
  if (b0 >= 0xc2 && b0 <= 0xdf) size = 2;
  else if (b0 >= 0xe0 && b0 <= 0xef) {
    size = 3;
    if (b0 === 0xe0) lo = 0xa0;
    else if (b0 === 0xed) hi = 0x9f;
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    size = 4;
    if (b0 === 0xf0) lo = 0x90;
    else if (b0 === 0xf4) hi = 0x8f;
  } else return [RUNE_ERROR, 1];
  if (i + size > b.length) return [RUNE_ERROR, 1];
  const b1 = b[i + 1] as number;
  if (b1 < lo || b1 > hi) return [RUNE_ERROR, 1];
  let rune = (b0 & (0xff >> (size + 1))) * 64 + (b1 & 0x3f);
  for (let k = 2; k < size; k++) {
    const bk = b[i + k] as number;
    if (bk < 0x80 || bk > 0xbf) return [RUNE_ERROR, 1];
    rune = rune * 64 + (bk & 0x3f);
  }
  return [rune, size];
}

/**
 * A GONOPROXY pattern no module path matches: offline runs must not let the
 * go command fetch private modules with direct behind our back.
 */
export const NO_MODULE = 'go-proxy-guard.invalid/no-module';
