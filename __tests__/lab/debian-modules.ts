/**
 * Real module trees for benchmarks: Debian's golang-*-dev packages ship Go
 * module sources under /usr/share/gocode/src/<import path>. They are fetched
 * with `apt-get download` and unpacked with `dpkg -x` into the lab (nothing
 * is installed), then served as module versions by the lab proxy.
 *
 * Two changes make a consistent world of them, and both are said where used:
 * - each module's go.mod keeps only the requirements on modules of the world,
 *   at the versions the world serves (Debian pins one version of each);
 * - a "bump" is a new patch version of a real module with one line added to
 *   one of its Go files (Debian has one version per release; a version bump
 *   recompiles the module and everything importing it, as a real one does).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { labRoot } from './paths.js';
import { moduleVersion, type ModuleVersion } from './modules.js';

export interface DebianModuleSpec {
  /** Debian binary package, e.g. golang-golang-x-text-dev. */
  deb: string;
  /** Module path, e.g. golang.org/x/text. */
  path: string;
}

/** A real module's sources at the version Debian ships. */
export interface DebianModule {
  path: string;
  version: string;
  /** The module's own go.mod, or undefined when it has none. */
  goMod: string | undefined;
  /** Relative name -> content of the text files (nested modules left out). */
  files: Record<string, string>;
  /** The other files (binary test data, embedded tables). */
  binaryFiles: Record<string, Buffer>;
}

/** Where downloaded packages and their unpacked trees are kept between runs. */
const debianDir = (): string => path.join(labRoot, 'debian');

/** Download (once) and unpack the packages; read each module's tree. */
export function loadDebianModules(specs: readonly DebianModuleSpec[]): DebianModule[] {
  const dir = debianDir();
  const tree = path.join(dir, 'tree');
  mkdirSync(tree, { recursive: true });
  const missing = specs.filter((s) => !debFile(dir, s.deb));
  if (missing.length > 0) {
    try {
      execFileSync('apt-get', ['download', ...missing.map((s) => s.deb)], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (err) {
      const why = String((err as { stderr?: Buffer }).stderr ?? err)
        .trim()
        .split('\n')
        .at(-1);
      throw new Error(
        `apt-get download ${missing.map((s) => s.deb).join(' ')} failed (${why}); on a fresh machine run "sudo apt-get update" first`,
        { cause: err },
      );
    }
  }
  return specs.map((s) => {
    const deb = debFile(dir, s.deb)!;
    const src = path.join(tree, 'usr/share/gocode/src', s.path);
    if (!existsSync(src)) execFileSync('dpkg', ['-x', path.join(dir, deb), tree]);
    if (!existsSync(src)) throw new Error(`${s.deb} does not ship ${s.path} under /usr/share/gocode/src`);
    const { files, binaryFiles } = readTree(src);
    const goMod = files['go.mod'];
    delete files['go.mod'];
    return { path: s.path, version: semverOfDeb(deb, s.path), goMod, files, binaryFiles };
  });
}

function debFile(dir: string, name: string): string | undefined {
  return readdirSync(dir).find((f) => f.startsWith(`${name}_`) && f.endsWith('.deb'));
}

/**
 * `golang-golang-x-crypto-dev_1%3a0.4.0-1_all.deb` -> v0.4.0: no epoch, no
 * Debian revision, no +dfsg / ~git suffix. The major must match the path's.
 */
export function semverOfDeb(debFileName: string, modulePath: string): string {
  const raw = decodeURIComponent(debFileName.split('_')[1] ?? '');
  const m = /^(?:\d+:)?(\d+)\.(\d+)(?:\.(\d+))?/.exec(raw);
  if (!m) throw new Error(`${debFileName}: no upstream version in "${raw}"`);
  const major = Number(m[1]);
  const suffix = /(?:\/v|\.v)(\d+)$/.exec(modulePath);
  const pathMajor = suffix ? Number(suffix[1]) : major <= 1 ? major : -1;
  if (pathMajor !== major) throw new Error(`${debFileName}: version ${raw} does not fit module path ${modulePath}`);
  return `v${m[1]}.${m[2]}.${m[3] ?? '0'}`;
}

/** Files below `root`, as a module zip holds them: no symlinks, VCS dirs or nested modules. */
function readTree(root: string): Pick<DebianModule, 'files' | 'binaryFiles'> {
  const files: Record<string, string> = {};
  const binaryFiles: Record<string, Buffer> = {};
  const walk = (dir: string, rel: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const abs = path.join(dir, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(abs);
      if (st.isDirectory()) {
        if (['.git', '.hg', '.svn', '.bzr', 'vendor'].includes(name) || existsSync(path.join(abs, 'go.mod'))) continue;
        walk(abs, r);
      } else if (st.isFile() && /^[A-Za-z0-9._+~@=,/-]+$/.test(r)) {
        const data = readFileSync(abs);
        const text = data.toString('utf8');
        if (Buffer.from(text, 'utf8').equals(data)) files[r] = text;
        else binaryFiles[r] = data;
      }
    }
  };
  walk(root, '');
  return { files, binaryFiles };
}

/** go.mod for a world module: its own go directive, requirements only on the world's modules. */
function worldGoMod(m: DebianModule, served: ReadonlyMap<string, string>): string {
  if (m.goMod === undefined) return `module ${m.path}\n`;
  const go = /^go\s+(\S+)/m.exec(m.goMod)?.[1];
  const required = new Set<string>();
  for (const line of m.goMod.split('\n')) {
    const req = /^\s*(?:require\s+)?([^\s()]+\.[^\s()]+)\s+v\S+/.exec(line);
    if (req && !line.trimStart().startsWith('module') && served.has(req[1]!)) required.add(req[1]!);
  }
  const reqs = [...required]
    .sort()
    .map((p) => `\t${p} ${served.get(p)}\n`)
    .join('');
  return `module ${m.path}\n${go ? `\ngo ${go}\n` : ''}${reqs ? `\nrequire (\n${reqs})\n` : ''}`;
}

/** The world's base versions: each Debian module as served, requirements rewritten. */
export function debianWorld(mods: readonly DebianModule[]): ModuleVersion[] {
  const served = new Map(mods.map((m) => [m.path, m.version]));
  return mods.map((m) =>
    moduleVersion({
      path: m.path,
      version: m.version,
      files: { ...m.files, 'go.mod': worldGoMod(m, served) },
      binaryFiles: m.binaryFiles,
    }),
  );
}

/**
 * The module's `n`th patch bump: the next patch version, one line added to
 * its first non-test Go file, the same go.mod.
 */
export function bumpedModule(base: ModuleVersion, n: number): ModuleVersion {
  const [, major, minor, patch] = /^v(\d+)\.(\d+)\.(\d+)$/.exec(base.version) ?? [];
  if (major === undefined) throw new Error(`${base.path}@${base.version}: not a plain semver version`);
  const version = `v${major}.${minor}.${Number(patch) + n}`;
  const victim = Object.keys(base.files)
    .sort()
    .find((f) => f.endsWith('.go') && !f.endsWith('_test.go') && !f.includes('testdata/') && !f.includes('internal/'));
  if (!victim) throw new Error(`${base.path}: no Go file to bump`);
  const files = { ...base.files, [victim]: `${base.files[victim]}\n// Bumped to ${version} by the lab.\n` };
  return moduleVersion({ path: base.path, version, files, ...(base.binaryFiles ? { binaryFiles: base.binaryFiles } : {}) });
}
