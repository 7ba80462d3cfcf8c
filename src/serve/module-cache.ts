import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { listVersions } from '../goproxy/answer-shape.js';
import { escapeVersion, latestOf } from '../goproxy/module-path.js';
import { fileBody, memoryBody, type HeldBody } from '../upstream/body.js';
import type { ServeRequest } from '../upstream/request-path.js';

export interface CachedAnswer {
  contentType: string;
  body: HeldBody;
}

const CONTENT_TYPES: Record<string, string> = {
  list: 'text/plain; charset=utf-8',
  info: 'application/json',
  latest: 'application/json',
  mod: 'text/plain; charset=utf-8',
  zip: 'application/zip',
  sumdb: 'application/octet-stream',
};

/**
 * The last resort when every upstream failed: GOMODCACHE/cache/download is
 * laid out like a proxy (the go command reads it as one with file://), and
 * holds what earlier downloads verified. `@latest` is answered from the
 * cached list, the way the go command's own file:// proxy cannot.
 */
export async function fromModuleCache(downloadDir: string, req: ServeRequest): Promise<CachedAnswer | undefined> {
  const contentType = CONTENT_TYPES[req.kind] as string;
  if (req.kind === 'latest') {
    const dir = path.join(downloadDir, req.cachePath.replace(/@latest$/, '@v'));
    const list = await readText(path.join(dir, 'list'));
    const version = list === undefined ? undefined : latestOf(listVersions(list));
    const info = version === undefined ? undefined : await readText(path.join(dir, `${escapeVersion(version)}.info`));
    return info === undefined ? undefined : { contentType, body: memoryBody(Buffer.from(info)) };
  }
  // The checksum database's own cache (lookups and tiles) lives under sumdb/<name>/; "supported" is not a file.
  if (req.kind === 'sumdb' && /\/supported$/.test(req.cachePath)) return undefined;
  const file = path.join(downloadDir, req.cachePath);
  if (!file.startsWith(path.join(downloadDir, path.sep))) return undefined;
  try {
    return { contentType, body: await fileBody(file) };
  } catch {
    return undefined;
  }
}

async function readText(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}
