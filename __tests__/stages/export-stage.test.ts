/**
 * exportStage in-process: what later steps get. The fake Platform runs no
 * later steps on this machine (no serveEntry), so no local proxy starts and
 * GOPROXY is the ranked chain itself.
 */
import { exportStage } from '../../src/engine/export-stage.js';
import { rankStage } from '../../src/engine/probe-stage.js';
import { formatGoproxy } from '../../src/goproxy/chain.js';
import { closeLabServers, labProxy } from '../lab/guard-case.js';
import { prepareAndProbe, stageCase, type StageCase } from '../lab/stage-case.js';

afterEach(closeLabServers);

const quick = { 'probe-samples': '1', 'probe-timeout': '4s' };

/** Prepare, probe and rank, then export. */
async function exported(c: StageCase) {
  const { run, probes } = await prepareAndProbe(c);
  const probe = await rankStage(run, probes, [], c.platform, (u) => u);
  return { probe, out: await exportStage(run, probe, c.platform, c.secrets) };
}

test('the ranked chain is exported as GOPROXY; serve is on, but later steps do not run here: no local proxy', async () => {
  const a = await labProxy();
  const b = await labProxy({ slow: 150 });
  const c = stageCase('stage-export', { ...quick, proxies: `${b.url}\n${a.url}`, serve: 'true' });
  const { out } = await exported(c);
  expect([out.handle, out.note, formatGoproxy(out.chain), formatGoproxy(out.shown)]).toEqual([
    undefined,
    undefined,
    `${a.url}|${b.url}|direct`,
    `${a.url}|${b.url}|direct`,
  ]);
  expect(c.platform.exported).toEqual({ GOPROXY: `${a.url}|${b.url}|direct` });
});

test('no usable proxy and direct false: GOPROXY=off, and the run says why', async () => {
  const down = await labProxy({ status: 503 });
  const c = stageCase('stage-export-off', { ...quick, proxies: down.url, direct: 'false' });
  const { probe, out } = await exported(c);
  expect([formatGoproxy(out.chain), c.platform.exported.GOPROXY]).toEqual(['off', 'off']);
  expect(probe.notes).toContain('no proxy is usable and direct is false: GOPROXY=off');
});

test('an override of direct probes nothing and exports direct', async () => {
  const a = await labProxy();
  const c = stageCase('stage-export-override', { ...quick, proxies: a.url, override: 'direct' });
  const { probe, out } = await exported(c);
  expect([formatGoproxy(out.chain), c.platform.exported.GOPROXY]).toEqual(['direct', 'direct']);
  expect(probe.notes).toContain('override: no proxy probed, GOPROXY=direct');
  expect(a.requests).toEqual([]);
});
