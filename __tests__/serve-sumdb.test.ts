/**
 * The checksum database through the local proxy (serve), end to end: the
 * real go command of a later step asks the exported GOPROXY whether it
 * proxies the database (`/sumdb/<name>/supported`), then sends every lookup
 * and tile there; the local proxy forwards them to the ranked upstreams with
 * its retries, so an upstream that fails them mid-job costs nothing.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseJsonStream, runGo, type GoModDownload } from './lab/go.js';
import type { GoProxy } from './lab/goproxy-server.js';
import { closeLabServers, FAST_INPUTS, guardCase, labProxy, world } from './lab/guard-case.js';
import type { ActionResult } from './lab/runner.js';
import { findModule, type ModuleVersion } from './lab/modules.js';
import { createLabSumdb, type LabSumdb } from './lab/sumdb.js';
import { fakeToolchain, hostGo, newerGo } from './lab/toolchain.js';

afterEach(closeLabServers);

const ALPHA = findModule(world, { path: 'example.com/alpha', version: 'v1.1.0' }) as ModuleVersion;
/** Newer than this leg's go (go1.27.3 on go 1.26). */
const NEWER = newerGo();
const TOOLCHAIN = fakeToolchain(NEWER.fake);
const SUMDB_FILES = /\/sumdb\/.+\/(lookup|tile)\//;

async function upstreams(sumdb: LabSumdb): Promise<[GoProxy, GoProxy]> {
  const a = await labProxy('ok', { modules: [...world, TOOLCHAIN], sumdb });
  // Slower at probe time, so a leads the ranking (and is the local proxy's first upstream).
  const b = await labProxy({ slow: 150 }, { modules: [...world, TOOLCHAIN], sumdb });
  return [a, b];
}

/** Go of a later step, outside the project, with an empty module cache and the exported GOPROXY. */
function laterGo(c: ReturnType<typeof guardCase>, r: ActionResult, name: string, args: string[], extra: Record<string, string> = {}) {
  const dir = path.join(c.lab, name);
  mkdirSync(dir, { recursive: true });
  const env = { ...c.env, GOPROXY: r.exportedEnv.GOPROXY ?? '', GOMODCACHE: path.join(dir, 'modcache'), GONOSUMDB: '', ...extra };
  return runGo(args, { cwd: dir, env, timeoutMs: 30_000 });
}

test('lookups and tiles the first upstream fails are answered by the next: go verifies through the local proxy', async () => {
  const sumdb = createLabSumdb({ modules: [ALPHA], fillers: 300 });
  const [a, b] = await upstreams(sumdb);
  const c = guardCase('serve-sumdb', { goEnv: { GOSUMDB: sumdb.gosumdb } });
  const r = await c.run({ ...FAST_INPUTS, cache: 'false', proxies: `${a.url}\n${b.url}` });
  expect(r.code).toBe(0);
  const local = r.outputs['local-proxy'] ?? '';
  expect(r.exportedEnv.GOPROXY).toBe(`${local}|${a.url}|${b.url}|direct`);
  await b.setFault('ok');
  // Mid-job the first upstream says it proxies the database, then fails every lookup and tile.
  await a.setFault({ status: 503 }, { path: SUMDB_FILES });
  a.resetLog();
  b.resetLog();

  const step = await laterGo(c, r, 'verify', ['mod', 'download', '-json', `${ALPHA.path}@${ALPHA.version}`]);
  expect([step.code, step.stderr]).toEqual([0, '']);
  expect(parseJsonStream<GoModDownload>(step.stdout)[0]?.Sum).toBe(ALPHA.h1);
  // Every lookup and tile a failed was asked again of b, by the local proxy; go never saw a 503.
  const failed = a.hits(SUMDB_FILES).filter((q) => q.status === 503);
  expect(failed.length).toBeGreaterThan(0);
  for (const q of failed) expect(b.hits(SUMDB_FILES).some((x) => x.path === q.path && x.status === 200)).toBe(true);

  // Without the local proxy, the plain chain stops at a's 503: the go command does not fall through for the database.
  const plain = await laterGo(c, r, 'plain', ['mod', 'download', '-json', `${ALPHA.path}@${ALPHA.version}`], {
    GOPROXY: `${a.url}|${b.url}`,
  });
  expect(plain.code).not.toBe(0);
  expect(plain.stdout + plain.stderr).toMatch(/verifying .*503 Service Unavailable/);
});

test('a toolchain switch in a later step, not warmed (prewarm off): zip and checksum database both come through the local proxy', async () => {
  const sumdb = createLabSumdb({ modules: [TOOLCHAIN] });
  const [a, b] = await upstreams(sumdb);
  const c = guardCase('serve-sumdb-toolchain', { goEnv: { GOSUMDB: sumdb.gosumdb } });
  const r = await c.run({ ...FAST_INPUTS, cache: 'false', prewarm: 'false', proxies: `${a.url}\n${b.url}` });
  expect(r.code).toBe(0);
  await b.setFault('ok');
  await a.setFault({ status: 503 }, { module: 'golang.org/toolchain' });
  await a.setFault({ status: 503 }, { path: SUMDB_FILES });
  const h = hostGo();
  const step = await laterGo(c, r, 'switch', ['version'], { GOTOOLCHAIN: NEWER.fake });
  expect([step.code, step.stdout.trim()]).toEqual([0, `go version ${NEWER.fake} ${h.goos}/${h.goarch}`]);
  expect(step.stderr).not.toMatch(/503/);
  expect(b.hits(/golang\.org\/toolchain\/@v\/.*\.zip$/).map((q) => q.status)).toContain(200);
});

test('a checksum database named host/path (as GOSUMDB allows) is proxied too', async () => {
  const sumdb = createLabSumdb({ modules: [ALPHA], name: `${'d'.repeat(64)}.invalid/go/sumdb` });
  const [a, b] = await upstreams(sumdb);
  const c = guardCase('serve-sumdb-path', { goEnv: { GOSUMDB: sumdb.gosumdb } });
  const r = await c.run({ ...FAST_INPUTS, cache: 'false', proxies: `${a.url}\n${b.url}` });
  expect(r.code).toBe(0);
  await b.setFault('ok');
  await a.setFault({ status: 503 }, { path: SUMDB_FILES });
  const step = await laterGo(c, r, 'verify', ['mod', 'download', '-json', `${ALPHA.path}@${ALPHA.version}`]);
  expect([step.code, step.stderr]).toEqual([0, '']);
  expect(b.hits(`/sumdb/${sumdb.name}/lookup/`).map((q) => q.status)).toContain(200);
});
