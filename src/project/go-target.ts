import * as path from 'node:path';
import type { Project } from './discover.js';

/** Where the guard runs the go command for a project, and what it may touch there. */
export interface GoTarget {
  /** The module, or the workspace root. */
  dir: string;
  /** go.mod, go.sum, go.work, go.work.sum: restored byte for byte after every run. */
  protectedFiles: string[];
  /** The project's own packages, as patterns relative to `dir` (in a workspace, each module's). */
  packages: string[];
  /** What to download instead of what go downloads before a build: these module@version. */
  modules?: string[];
}

export function goTarget(project: Project): GoTarget {
  const dir = project.goWork ? path.dirname(project.goWork) : project.root;
  const files = project.modules.flatMap((m) => [m.goMod, path.join(m.dir, 'go.sum')]);
  if (project.goWork) files.push(project.goWork, `${project.goWork}.sum`);
  const packages = project.goWork
    ? project.modules.map((m) => `./${path.relative(dir, m.dir).split(path.sep).join('/')}/...`.replace(/^\.\/\/\.\.\.$/, './...'))
    : ['./...'];
  return { dir, protectedFiles: files, packages };
}
