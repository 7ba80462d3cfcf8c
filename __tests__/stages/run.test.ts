/**
 * runGuard in-process, behind the fake Platform, against a real loopback
 * proxy and the real go command: the stages hand values on, and the
 * platform sees exactly the outputs, variables and state the run decided.
 */
import { runGuard } from '../../src/engine/run.js';
import { OUTPUTS } from '../../src/config/inputs.js';
import { closeLabServers, labProxy } from '../lab/guard-case.js';
import { stageCase } from '../lab/stage-case.js';

afterEach(closeLabServers);

test('a healthy proxy: probed, warmed through it, every output set, GOPROXY exported, state saved', async () => {
  const proxy = await labProxy();
  const down = await labProxy('refused');
  const { platform, ctx } = stageCase('engine-fake', {
    proxies: `${down.url}\n${proxy.url}`,
    serve: 'false',
    cache: 'false',
    'probe-timeout': '4s',
    'probe-samples': '1',
  });
  const outcome = await runGuard(ctx);

  expect(outcome.report.verdict).toBe('degraded');
  expect(outcome.report.warm?.ladderStep).toBe('proxy');
  expect(outcome.gate.pass).toBe(true);
  expect(Object.keys(platform.outputs).sort()).toEqual(Object.keys(OUTPUTS).sort());
  expect(platform.outputs.goproxy).toBe(`${proxy.url}|direct`);
  expect(platform.outputs['ladder-step']).toBe('proxy');
  expect(platform.outputs.modules).toBe(String(outcome.report.warm?.downloaded.length));
  expect(platform.outputs.report).toBe(outcome.reportPath);
  expect(platform.exported.GOPROXY).toBe(`${proxy.url}|direct`);
  // The deadline is shown as the user wrote it.
  expect(platform.lines('info')).toContainEqual(expect.stringMatching(/^probing 2 proxies, 4s deadline each: /));
  // Warming starts inside its group before the ranking's group closes the probe.
  const groups = platform.lines('group');
  expect(groups).toEqual(['Warming the module cache', 'Probing Go module proxies']);
  expect(platform.summaries).toHaveLength(1);
  expect(platform.saved.history).toHaveLength(1);
  // Nothing for a post step: the fake platform has no CI cache and no local proxy.
  expect([outcome.saveState, outcome.buildCacheState, outcome.serve]).toEqual([undefined, undefined, undefined]);
});

test('working-directory given but holding no go.mod: an input error naming it, before any probe', async () => {
  const { platform, ctx } = stageCase('engine-fake-wd', { 'working-directory': 'home' }, { requires: false });
  await expect(runGuard(ctx)).rejects.toThrow(/input "working-directory" must hold a go\.mod or go\.work/);
  expect(platform.lines('info')).toEqual([]);
});
