import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCommand } from '../go/command.js';
import type { GoTarget } from '../project/go-target.js';
import { fileProxy, withGoproxy } from '../goproxy/chain.js';
import { NO_MODULE } from '../goproxy/private.js';
import { withFilesUnchanged } from '../project/protect.js';
import { listFiles, removeEmptyDirs, removeTree } from './files.js';
import { moduleDownloadDir } from './restore.js';
import { toolchainKeepFiles, withToolchainOnPath, type SavedToolchain } from './toolchain-files.js';

export { listFiles } from './files.js';

export interface PruneResult {
  keptFiles: number;
  removedFiles: number;
  bytesBefore: number;
  bytesAfter: number;
}

/**
 * Copy exactly the build list out of a module cache into another GOMODCACHE.
 * The go command itself decides what is needed: it downloads the build list
 * from the existing cache (as a file:// proxy) into `intoGomodcache`. The
 * toolchain the project switches to comes too, with the checksum-database
 * files that let a later job switch to it offline.
 * Returns the files it copied, relative to cache/download.
 */
export async function copyBuildList(
  target: GoTarget,
  gomodcache: string,
  intoGomodcache: string,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
  toolchain?: SavedToolchain,
): Promise<string[]> {
  const download = moduleDownloadDir(gomodcache);
  const goEnv = {
    ...withGoproxy(env, fileProxy(download)),
    GOMODCACHE: intoGomodcache,
    GOSUMDB: 'off',
    GOFLAGS: '-modcacherw',
    // With GONOPROXY set the go command fetches those modules with direct whatever GOPROXY says.
    GONOPROXY: NO_MODULE,
  };
  // The switch would download the toolchain into the copy, and a toolchain download insists on the checksum database (off here).
  const result = await withToolchainOnPath(toolchain, goEnv, (e) =>
    withFilesUnchanged(target.protectedFiles, () => runCommand('go', ['mod', 'download'], { cwd: target.dir, env: e, timeoutMs })),
  );
  if (result.code !== 0)
    throw new Error(`the module cache does not hold the whole build list: ${result.stderr.trim().split('\n').slice(-2).join(' ')}`);
  const into = moduleDownloadDir(intoGomodcache);
  for (const rel of toolchain ? await toolchainKeepFiles(download, toolchain.module) : []) {
    await fs.mkdir(path.dirname(path.join(into, rel)), { recursive: true });
    await fs.copyFile(path.join(download, rel), path.join(into, rel));
  }
  return listFiles(into);
}

/**
 * Reduce GOMODCACHE/cache/download to exactly what the current build needs,
 * in place. Only for a module cache the guard owns whole (GitLab's, inside the
 * project directory, which GitLab's cache: saves); a shared one is saved
 * through a staging copy instead (copyBuildList).
 */
export async function pruneToBuildList(
  target: GoTarget,
  gomodcache: string,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
  toolchain?: SavedToolchain,
): Promise<PruneResult> {
  const download = moduleDownloadDir(gomodcache);
  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'gpg-prune-'));
  try {
    const needed = new Set(await copyBuildList(target, gomodcache, scratch, env, timeoutMs, toolchain));
    const present = await listFiles(download);
    let bytesBefore = 0;
    let bytesAfter = 0;
    let removed = 0;
    for (const rel of present) {
      const file = path.join(download, rel);
      const size = (await fs.stat(file)).size;
      bytesBefore += size;
      if (needed.has(rel)) bytesAfter += size;
      else {
        await fs.rm(file, { force: true });
        removed++;
      }
    }
    await removeEmptyDirs(download);
    return { keptFiles: present.length - removed, removedFiles: removed, bytesBefore, bytesAfter };
  } finally {
    await removeTree(scratch);
  }
}
