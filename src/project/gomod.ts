/**
 * Offline readers for go.mod and go.work (the subset of cmd/go/internal/modfile
 * the guard needs): module path, requirements, replacements, workspace uses.
 * Parsing here, rather than `go list -m all`, keeps discovery off the network.
 */

export interface Requirement {
  path: string;
  version: string;
  indirect: boolean;
}

export interface Replacement {
  oldPath: string;
  oldVersion?: string;
  /** A module path and version, or a local directory (no version). */
  newPath: string;
  newVersion?: string;
}

export interface GoMod {
  module: string | undefined;
  /** The go line (e.g. "1.22" or "1.27.0"), if any. */
  go: string | undefined;
  requires: Requirement[];
  replaces: Replacement[];
}

export interface GoWork {
  uses: string[];
  replaces: Replacement[];
}

interface Line {
  verb: string;
  args: string[];
  comment: string;
}

/** Tokenise into directive lines, expanding `verb ( ... )` blocks. */
function lines(text: string): Line[] {
  const out: Line[] = [];
  let block: string | undefined;
  for (const rawLine of text.split(/\r?\n/)) {
    const { tokens, comment } = tokenize(rawLine);
    if (tokens.length === 0) continue;
    if (block !== undefined) {
      if (tokens[0] === ')') {
        block = undefined;
        continue;
      }
      out.push({ verb: block, args: tokens, comment });
      continue;
    }
    if (tokens.length === 2 && tokens[1] === '(') {
      block = tokens[0];
      continue;
    }
    const [verb, ...args] = tokens;
    out.push({ verb: verb as string, args, comment });
  }
  return out;
}

function tokenize(line: string): { tokens: string[]; comment: string } {
  const tokens: string[] = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if (line.startsWith('//', i)) {
      return { tokens, comment: line.slice(i + 2).trim() };
    } else if (c === '"' || c === '`') {
      let j = i + 1;
      while (j < line.length && line[j] !== c) j += line[j] === '\\' && c === '"' ? 2 : 1;
      tokens.push(c === '"' ? JSON.parse(line.slice(i, j + 1)) : line.slice(i + 1, j));
      i = j + 1;
    } else if (c === '(' || c === ')') {
      tokens.push(c);
      i++;
    } else {
      let j = i;
      while (j < line.length && !/[\s()]/.test(line[j] as string) && !line.startsWith('//', j)) j++;
      tokens.push(line.slice(i, j));
      i = j;
    }
  }
  return { tokens, comment: '' };
}

function parseReplace(args: string[]): Replacement | undefined {
  const arrow = args.indexOf('=>');
  if (arrow < 1) return undefined;
  const [oldPath, oldVersion] = args.slice(0, arrow);
  const [newPath, newVersion] = args.slice(arrow + 1);
  if (!oldPath || !newPath) return undefined;
  return { oldPath, oldVersion, newPath, newVersion };
}

export function parseGoMod(text: string): GoMod {
  const mod: GoMod = { module: undefined, go: undefined, requires: [], replaces: [] };
  for (const l of lines(text)) {
    if (l.verb === 'module') mod.module = l.args[0];
    else if (l.verb === 'go') mod.go = l.args[0];
    else if (l.verb === 'require' && l.args.length >= 2) {
      mod.requires.push({
        path: l.args[0] as string,
        version: l.args[1] as string,
        indirect: /^indirect\b/.test(l.comment),
      });
    } else if (l.verb === 'replace') {
      const r = parseReplace(l.args);
      if (r) mod.replaces.push(r);
    }
  }
  return mod;
}

export function parseGoWork(text: string): GoWork {
  const work: GoWork = { uses: [], replaces: [] };
  for (const l of lines(text)) {
    if (l.verb === 'use' && l.args[0]) work.uses.push(l.args[0]);
    else if (l.verb === 'replace') {
      const r = parseReplace(l.args);
      if (r) work.replaces.push(r);
    }
  }
  return work;
}

/**
 * A local-directory replacement target, as the go command recognises one (modfile.IsDirectoryPath): go.mod
 * files move between systems, so Unix and Windows forms count everywhere (./x, .\\x, /x, \\x, C:x).
 */
export function isLocalPath(p: string): boolean {
  return p === '.' || p === '..' || /^\.{1,2}[\\/]/.test(p) || /^[\\/]/.test(p) || /^[A-Za-z]:/.test(p);
}

/**
 * The module versions the go command will fetch for these requirements:
 * replacements applied, local replacements dropped (nothing to fetch).
 */
export function applyReplacements(requires: Requirement[], replaces: Replacement[]): Requirement[] {
  const out: Requirement[] = [];
  for (const req of requires) {
    const r =
      replaces.find((x) => x.oldPath === req.path && x.oldVersion === req.version) ??
      replaces.find((x) => x.oldPath === req.path && x.oldVersion === undefined);
    if (!r) out.push(req);
    else if (!isLocalPath(r.newPath) && r.newVersion) out.push({ ...req, path: r.newPath, version: r.newVersion });
  }
  return out;
}
