import * as fs from 'node:fs/promises';
import * as path from 'node:path';

/**
 * Run `fn` over `items`, `limit` at a time. File work on thousands of small
 * entries (a build cache) waits on the disk, not the CPU: a few in flight
 * keep libuv's thread pool busy.
 */
export async function forEachLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
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

export async function removeEmptyDirs(dir: string): Promise<boolean> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  let empty = true;
  for (const e of entries) {
    if (e.isDirectory() && (await removeEmptyDirs(path.join(dir, e.name)))) continue;
    empty = false;
  }
  if (empty) await fs.rmdir(dir).catch(() => {});
  return empty;
}

/** The go command makes extracted module trees read-only; the guard's own copies must still go. */
export async function removeTree(dir: string): Promise<void> {
  await fs.chmod(dir, 0o700).catch(() => {});
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) if (e.isDirectory()) await removeTree(path.join(dir, e.name));
  await fs.rm(dir, { recursive: true, force: true });
}
