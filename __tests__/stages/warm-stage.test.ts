/**
 * The warm in-process: warmStage downloads the build list down the
 * ladder with the real go command, through the proxies the probe found
 * healthy, and hands the ranking what failed while warming. Loopback lab
 * proxies; no CI cache (the fake Platform has none).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { startModuleCacheRestore, warmStage } from '../../src/engine/warm-stage.js';
import { prepareStage } from '../../src/engine/prepare-stage.js';
import { rankStage, startProbes, type ProbeRun } from '../../src/engine/probe-stage.js';
import { formatGoproxy } from '../../src/goproxy/chain.js';
import { ALPHA, BETA, closeLabServers, GAMMA, labProxy, UPPER } from '../lab/guard-case.js';
import { escapePath } from '../lab/modules.js';
import { stageCase, type StageCase } from '../lab/stage-case.js';

afterEach(closeLabServers);

const quick = { 'probe-samples': '1', 'probe-timeout': '4s', 'retry-backoff': '100ms', 'download-timeout': '30s' };

/** Prepare, start the restore and the probe, then warm: the stages as runGuard chains them. */
async function warm(c: StageCase, beforeWarm: (probes: ProbeRun) => Promise<void> = async () => {}) {
  const run = await prepareStage(c.ctx);
  const restore = startModuleCacheRestore(run, c.platform);
  const probes = startProbes(run);
  await beforeWarm(probes);
  const cache = await warmStage(run, restore, probes, c.platform);
  return { run, probes, cache };
}

const zipOf = (c: StageCase, m: { path: string; version: string }) =>
  path.join(c.env.GOMODCACHE!, 'cache', 'download', escapePath(m.path), '@v', `${m.version}.zip`);
const rungs = (warm: { ladder: { step: string; outcome: string }[] } | undefined) => warm?.ladder.map((r) => `${r.step}:${r.outcome}`);

test('the build list is downloaded into GOMODCACHE through the healthy proxy, on the first rung; nothing for a post step', async () => {
  const p = await labProxy();
  const c = stageCase('stage-warm', { ...quick, proxies: p.url });
  const { cache } = await warm(c);
  expect(rungs(cache.warm)).toEqual(['proxy:ok']);
  expect(cache.warm?.cacheHit).toBe('none');
  const buildList = [ALPHA, BETA, GAMMA, UPPER].map((m) => `${m.path}@${m.version}`).sort();
  expect([...(cache.warm?.downloaded ?? [])].sort()).toEqual(buildList);
  expect(cache.warm?.buildList).toBe(buildList.length);
  for (const m of [ALPHA, BETA, GAMMA, UPPER]) expect([m.path, existsSync(zipOf(c, m))]).toEqual([m.path, true]);
  expect([cache.warmFailures, cache.saveState, cache.notes]).toEqual([[], undefined, []]);
  expect(c.platform.lines('group')).toEqual(['Warming the module cache']);
});

test('the first proxy fails every zip once warming starts: the job is warmed through the second, and the ranking sends the first to the end', async () => {
  const a = await labProxy();
  // Slower, so that a ranks first.
  const b = await labProxy({ slow: 150 });
  const c = stageCase('stage-warm-fallthrough', { ...quick, proxies: `${a.url}\n${b.url}` });
  // The probe finds both healthy; then a fails every zip.
  const { run, probes, cache } = await warm(c, async (probes) => {
    await probes.done;
    await a.setFault({ status: 503 }, { path: /\.zip$/ });
  });
  expect(cache.warm?.ladderStep).toBe('proxy');
  for (const m of [ALPHA, BETA, GAMMA, UPPER]) expect([m.path, existsSync(zipOf(c, m))]).toEqual([m.path, true]);
  expect(cache.warmFailures.map((f) => [f.url, f.failure.code])).toContainEqual([a.url, 'http-5xx']);
  expect(cache.warmFailures.map((f) => f.url)).not.toContain(b.url);
  const probe = await rankStage(run, probes, cache.warmFailures, c.platform, (u) => u);
  expect(formatGoproxy(probe.chain)).toBe(`${b.url}|${a.url}|direct`);
});

test('prewarm false warms nothing; no go.mod leaves nothing to warm, and says so', async () => {
  const p = await labProxy();
  const off = await warm(stageCase('stage-warm-off', { ...quick, proxies: p.url, prewarm: 'false' }));
  expect([off.cache.warm, off.cache.notes]).toEqual([undefined, []]);
  const none = await warm(stageCase('stage-warm-none', { ...quick, proxies: p.url }, { requires: false }));
  expect([none.cache.warm, none.cache.notes]).toEqual([undefined, ['nothing to pre-warm without go.mod or go.work']]);
});
