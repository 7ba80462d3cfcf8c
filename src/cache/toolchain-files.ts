import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { escapeModulePath, escapeVersion } from '../goproxy/module-path.js';
import { lookupCachePath, parseCachedLookup, tilesProvingRecord } from '../go/sumdb-tiles.js';

/** The toolchain a project's go commands switch to, as the save needs it (JSON: it crosses to the post step). */
export interface SavedToolchain {
  /** go1.27.3 */
  name: string;
  module: { path: string; version: string };
  /** Its extracted directory in GOMODCACHE, when the warm extracted it. */
  dir?: string;
}

const isFile = (p: string) =>
  fs.stat(p).then(
    (s) => s.isFile(),
    () => false,
  );

/**
 * The files below GOMODCACHE/cache/download a later job needs to switch to
 * the toolchain with no network: the module's own (zip, ziphash, info, mod)
 * and, for each checksum database that proved it, the cached lookup and the
 * tiles that prove the lookup again (sumdb-tiles.ts). `go mod download all`
 * never names a toolchain, so a cache pruned to the build list would lose them.
 */
export async function toolchainKeepFiles(downloadDir: string, module: SavedToolchain['module']): Promise<string[]> {
  const escPath = escapeModulePath(module.path);
  const escVersion = escapeVersion(module.version);
  const candidates = ['zip', 'ziphash', 'info', 'mod'].map((ext) => `${escPath}/@v/${escVersion}.${ext}`);
  const dbs = await fs.readdir(path.join(downloadDir, 'sumdb'), { withFileTypes: true }).catch(() => []);
  for (const db of dbs.filter((d) => d.isDirectory())) {
    const lookup = `sumdb/${db.name}/${lookupCachePath(escPath, escVersion)}`;
    const text = await fs.readFile(path.join(downloadDir, lookup), 'utf8').catch(() => undefined);
    const proven = text === undefined ? undefined : parseCachedLookup(text);
    if (!proven) continue;
    candidates.push(lookup);
    // The go command reads a partial tile from the full one when it has that instead (sumdb client, readTile).
    for (const t of tilesProvingRecord(proven.id, proven.size)) {
      const tile = [`sumdb/${db.name}/${t}`, `sumdb/${db.name}/${t.replace(/\.p\/\d+$/, '')}`];
      const found = (await isFile(path.join(downloadDir, tile[0] as string))) ? tile[0] : tile[1];
      candidates.push(found as string);
    }
  }
  const present = await Promise.all(candidates.map(async (rel) => ((await isFile(path.join(downloadDir, rel))) ? rel : undefined)));
  return [...new Set(present.filter((rel): rel is string => rel !== undefined))].map((rel) => rel.split('/').join(path.sep));
}

/**
 * Run `fn` with `env` whose PATH starts with a directory holding `<name>` (a
 * link to the toolchain's bin/go): the go command looks on PATH before it
 * downloads a toolchain, so go commands run with another GOMODCACHE (the
 * save's copy) switch to the toolchain already here instead of fetching it.
 * Without an extracted toolchain (or on Windows, where links need privileges)
 * `env` is passed unchanged.
 */
export async function withToolchainOnPath<T>(
  toolchain: SavedToolchain | undefined,
  env: NodeJS.ProcessEnv,
  fn: (env: NodeJS.ProcessEnv) => Promise<T>,
): Promise<T> {
  const bin = toolchain?.dir ? path.join(toolchain.dir, 'bin', 'go') : undefined;
  if (!toolchain || !bin || process.platform === 'win32' || !(await isFile(bin))) return fn(env);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'go-proxy-guard-path-'));
  try {
    await fs.symlink(bin, path.join(dir, toolchain.name));
    return await fn({ ...env, PATH: [dir, env.PATH].filter(Boolean).join(path.delimiter) });
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
