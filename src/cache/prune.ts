import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { runCommand } from '../go/command.js';
import type { DownloadTarget } from '../warm/download.js';
import { NO_MODULE } from '../goproxy/private.js';
import { withFilesUnchanged } from '../warm/protect.js';

export interface PruneResult {
  keptFiles: number;
  removedFiles: number;
  bytesBefore: number;
  bytesAfter: number;
}

/**
 * Reduce GOMODCACHE/cache/download to exactly what the current build needs,
 * so a saved cache entry never snowballs with dead modules. The go command
 * itself decides what is needed: it re-downloads the build list from the
 * existing cache (as a file:// proxy) into an empty cache, and every file it
 * did not copy is removed from the real one.
 */
export async function pruneToBuildList(
  target: DownloadTarget,
  gomodcache: string,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<PruneResult> {
  const download = path.join(gomodcache, 'cache', 'download');
  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'gpg-prune-'));
  try {
    const result = await withFilesUnchanged(target.protectedFiles, () =>
      runCommand('go', ['mod', 'download', 'all'], {
        cwd: target.dir,
        env: {
          ...env,
          GOMODCACHE: scratch,
          GOPROXY: `${pathToFileURL(download).href},off`,
          GOSUMDB: 'off',
          GOFLAGS: '-modcacherw',
          // With GONOPROXY set the go command fetches those modules with direct whatever GOPROXY says.
          GONOPROXY: NO_MODULE,
        },
        timeoutMs,
      }),
    );
    if (result.code !== 0) throw new Error(`the module cache does not hold the whole build list: ${result.stderr.trim().split('\n').slice(-2).join(' ')}`);
    const needed = new Set(await listFiles(path.join(scratch, 'cache', 'download')));
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
    await fs.rm(scratch, { recursive: true, force: true });
  }
}

/** Files below `root`, relative, skipping lock files the go command leaves behind. */
export async function listFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string) => {
    const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) await walk(full);
      else if (!e.name.endsWith('.lock') && !e.name.endsWith('.tmp')) out.push(path.relative(root, full));
    }
  };
  await walk(root);
  return out.sort();
}

async function removeEmptyDirs(dir: string): Promise<boolean> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  let empty = true;
  for (const e of entries) {
    if (e.isDirectory() && (await removeEmptyDirs(path.join(dir, e.name)))) continue;
    empty = false;
  }
  if (empty) await fs.rmdir(dir).catch(() => {});
  return empty;
}
