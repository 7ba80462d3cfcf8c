import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { InputError } from '../config/errors.js';
import { matchesPrefixPatterns } from '../goproxy/private.js';
import { applyReplacements, parseGoMod, parseGoWork, type Replacement, type Requirement } from './gomod.js';

export interface ProjectModule {
  dir: string;
  path: string | undefined;
  goMod: string;
  goSum: string | undefined;
}

export interface ProjectRequirement extends Requirement {
  /** Matched by GONOPROXY/GOPRIVATE: fetched with direct, never from a proxy. */
  private: boolean;
}

export interface Project {
  root: string;
  layout: 'module' | 'workspace' | 'none';
  modules: ProjectModule[];
  goWork: string | undefined;
  /** go.sum, go.work.sum: the files the cache key hashes. */
  sumFiles: string[];
  requirements: ProjectRequirement[];
  vendorDir: string | undefined;
  /**
   * A single module at go 1.17 or later: its go.mod lists every module that
   * provides a package, and `go mod download` fetches those zips alone (a
   * workspace, or an older go line, downloads the whole build list).
   */
  explicitRequirements: boolean;
}

const exists = (p: string) =>
  fs.stat(p).then(
    () => true,
    () => false,
  );

export async function requireDirectory(dir: string, inputValue: string): Promise<void> {
  const stat = await fs.stat(dir).catch(() => undefined);
  if (!stat?.isDirectory()) throw new InputError('working-directory', inputValue, 'must be an existing directory');
}

/**
 * Read the project offline (the caller has checked, with requireDirectory,
 * that `root` exists before anything else ran there): go.work (unless GOWORK=off) or go.mod, the
 * requirements the go command will fetch, and which of them are private.
 */
export async function discoverProject(
  root: string,
  opts: {
    gonoproxy: string;
    /** `go env GOWORK`: a path, "" (none), "off", or undefined when go could not be asked. */
    gowork: string | undefined;
    requireGoMod: boolean;
    inputValue: string;
  },
): Promise<Project> {
  // The go command's answer wins: it finds a go.work in a parent directory, or GOWORK names one.
  const goWork = opts.gowork && opts.gowork !== 'off' ? path.resolve(root, opts.gowork) : path.join(root, 'go.work');
  const useWork = opts.gowork === undefined ? await exists(goWork) : opts.gowork !== 'off' && opts.gowork !== '' && (await exists(goWork));
  const project: Project = {
    root,
    layout: 'none',
    modules: [],
    goWork: undefined,
    sumFiles: [],
    requirements: [],
    vendorDir: undefined,
    explicitRequirements: false,
  };
  let replaces: Replacement[] = [];
  if (useWork) {
    const work = parseGoWork(await fs.readFile(goWork, 'utf8'));
    project.layout = 'workspace';
    project.goWork = goWork;
    replaces = work.replaces;
    for (const use of work.uses) project.modules.push(await readModule(path.resolve(path.dirname(goWork), use)));
    const workSum = `${goWork}.sum`;
    if (await exists(workSum)) project.sumFiles.push(workSum);
    // `go work vendor` (go 1.22+) vendors the whole workspace at its root.
    const workVendor = path.join(path.dirname(goWork), 'vendor');
    if (await exists(path.join(workVendor, 'modules.txt'))) project.vendorDir = workVendor;
  } else if (await exists(path.join(root, 'go.mod'))) {
    project.layout = 'module';
    project.modules.push(await readModule(root));
    if (await exists(path.join(root, 'vendor', 'modules.txt'))) project.vendorDir = path.join(root, 'vendor');
  } else if (opts.requireGoMod) {
    throw new InputError('working-directory', opts.inputValue, 'must hold a go.mod or go.work (none found there)');
  }
  for (const m of project.modules) if (m.goSum) project.sumFiles.push(m.goSum);

  const local = new Set(project.modules.map((m) => m.path).filter(Boolean));
  const seen = new Set<string>();
  for (const m of project.modules) {
    const mod = parseGoMod(await fs.readFile(m.goMod, 'utf8'));
    if (project.layout === 'module') project.explicitRequirements = atLeastGo117(mod.go);
    // Workspace replacements override the modules' own, as in the go command.
    for (const req of applyReplacements(mod.requires, [...replaces, ...mod.replaces])) {
      if (local.has(req.path) || seen.has(req.path)) continue;
      seen.add(req.path);
      project.requirements.push({ ...req, private: matchesPrefixPatterns(opts.gonoproxy, req.path) });
    }
  }
  return project;
}

/** go's ExplicitIndirectVersion (1.17): go.mod lists every module that provides a package. */
function atLeastGo117(go: string | undefined): boolean {
  const m = /^(\d+)\.(\d+)/.exec(go ?? '');
  return !!m && (Number(m[1]) > 1 || Number(m[2]) >= 17);
}

async function readModule(dir: string): Promise<ProjectModule> {
  const goMod = path.join(dir, 'go.mod');
  let text: string;
  try {
    text = await fs.readFile(goMod, 'utf8');
  } catch {
    throw new InputError('working-directory', dir, 'lists a workspace module without a go.mod');
  }
  const goSum = path.join(dir, 'go.sum');
  return { dir, path: parseGoMod(text).module, goMod, goSum: (await exists(goSum)) ? goSum : undefined };
}
