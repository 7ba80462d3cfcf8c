import { matchesPrefixPatterns } from '../../goproxy/private.js';
import { escapeModulePath, escapeVersion, isCanonicalVersion } from '../../goproxy/module-path.js';
import type { SumLine } from './go-sum.js';

export type PrefetchKind = 'mod' | 'info' | 'zip';

/** One file of the GOPROXY protocol to fetch before the go command asks for it. */
export interface PrefetchFile {
  module: string;
  version: string;
  kind: PrefetchKind;
  /** go.sum's h1: for the zip or the go.mod; none for .info (go.sum does not cover it). */
  h1: string | undefined;
  /** Escaped path below the proxy root and below GOMODCACHE/cache/download: `<module>/@v/<version>.<kind>`. */
  path: string;
}

export interface PrefetchPlan {
  files: PrefetchFile[];
  /** Modules matched by GONOPROXY/GOPRIVATE: never asked of a proxy. */
  private: string[];
  /** Files already in the module cache (a restored entry): not fetched again. */
  cached: number;
  /** Requirements go.sum names no zip hash for: the go command fetches them itself, as before. */
  unsummed: string[];
}

export interface PlanInput {
  sums: SumLine[];
  /** The module versions go.mod (or go.work) requires, replacements applied. */
  requirements: ReadonlyArray<{ path: string; version: string }>;
  gonoproxy: string;
  /** Escaped paths (`<module>/@v/<version>.<ext>`) already under GOMODCACHE/cache/download. */
  cached: ReadonlySet<string>;
  /** go.mod lists every module that provides a package (go 1.17+): go downloads those zips alone. */
  explicitRequirements: boolean;
}

/**
 * What the go command will ask a proxy for, read from go.sum: the go.mod of
 * every version in the module graph (its `/go.mod` lines), and the zip and
 * .info of every module it downloads (its plain lines). A plain line is taken
 * when it names the version go.mod requires; for a module go.mod does not
 * list, only where go.mod may leave modules out (go < 1.17, a workspace) and
 * go.sum holds just one version of it, so a stale line never costs a download
 * and a module only `go mod tidy` needs (tests of dependencies) costs none. Every file has an
 * h1: to check against except .info, which go.sum does not cover.
 */
export function planPrefetch(input: PlanInput): PrefetchPlan {
  const required = new Map(input.requirements.map((r) => [r.path, r.version]));
  const zipVersions = new Map<string, Set<string>>();
  for (const s of input.sums) if (s.kind === 'zip') zipVersions.set(s.path, (zipVersions.get(s.path) ?? new Set()).add(s.version));

  const privateModules = new Set<string>();
  const files: PrefetchFile[] = [];
  const seen = new Set<string>();
  let cached = 0;
  const add = (module: string, version: string, kind: PrefetchKind, h1: string | undefined) => {
    const path = `${escapeModulePath(module)}/@v/${escapeVersion(version)}.${kind}`;
    if (seen.has(path)) return;
    seen.add(path);
    if (input.cached.has(path)) cached++;
    else files.push({ module, version, kind, h1, path });
  };
  for (const s of input.sums) {
    if (!isCanonicalVersion(s.version)) continue;
    if (matchesPrefixPatterns(input.gonoproxy, s.path)) {
      privateModules.add(s.path);
      continue;
    }
    if (s.kind === 'mod') {
      add(s.path, s.version, 'mod', s.h1);
      continue;
    }
    const want = required.get(s.path);
    const chosen = want !== undefined ? want === s.version : !input.explicitRequirements && zipVersions.get(s.path)?.size === 1;
    if (!chosen) continue;
    add(s.path, s.version, 'zip', s.h1);
    add(s.path, s.version, 'info', undefined);
  }
  for (const r of input.requirements) if (matchesPrefixPatterns(input.gonoproxy, r.path)) privateModules.add(r.path);
  const summed = new Set(input.sums.filter((s) => s.kind === 'zip').map((s) => `${s.path}@${s.version}`));
  const unsummed = input.requirements
    .filter((r) => !matchesPrefixPatterns(input.gonoproxy, r.path) && !summed.has(`${r.path}@${r.version}`))
    .map((r) => `${r.path}@${r.version}`);
  return { files: moduleByModule(files), private: [...privateModules].sort(), cached, unsummed };
}

/**
 * Each zip followed at once by its module's .mod and .info, so a module is
 * complete (and can be unpacked) early; the graph's other go.mod files last.
 * The zips, the largest transfers, still start earliest.
 */
function moduleByModule(files: PrefetchFile[]): PrefetchFile[] {
  const id = (f: PrefetchFile) => `${f.module}@${f.version}`;
  const zipped = new Set(files.filter((f) => f.kind === 'zip').map(id));
  const rest = new Map<string, PrefetchFile[]>();
  for (const f of files) if (f.kind !== 'zip' && zipped.has(id(f))) rest.set(id(f), [...(rest.get(id(f)) ?? []), f]);
  const ordered = files.filter((f) => f.kind === 'zip').flatMap((z) => [z, ...(rest.get(id(z)) ?? [])]);
  return [...ordered, ...files.filter((f) => f.kind !== 'zip' && !zipped.has(id(f)))];
}
