/**
 * startProbes and rankStage in-process, against real loopback proxies:
 * every candidate probed at once, warming released at the first healthy
 * one, the final ranking and the chain to export, with what the warm found
 * folded in.
 */
import { failure } from '../../src/diagnosis/failure.js';
import { rankStage } from '../../src/engine/probe-stage.js';
import { formatGoproxy } from '../../src/goproxy/chain.js';
import { closeLabServers, labProxy } from '../lab/guard-case.js';
import { prepareAndProbe, stageCase } from '../lab/stage-case.js';

afterEach(closeLabServers);

const quick = { 'probe-samples': '1', 'probe-timeout': '4s' };
const shown = (url: string) => url;

test('a healthy and a failing proxy: warming may begin with the healthy one; ranked first, it alone is exported', async () => {
  const fast = await labProxy();
  const failing = await labProxy({ status: 503 });
  const c = stageCase('stage-probe', { ...quick, proxies: `${failing.url}\n${fast.url}` });
  const { platform } = c;
  const { run, probes } = await prepareAndProbe(c);
  expect([run.candidates, run.end]).toEqual([[failing.url, fast.url], 'direct']);
  expect(await probes.early).toEqual([fast.url]);

  const probe = await rankStage(run, probes, [], platform, shown);
  expect(probe.ranked.map((p) => [p.url, p.verdict])).toEqual([
    [fast.url, 'healthy'],
    [failing.url, 'down'],
  ]);
  expect(probe.ranked[1]!.failure).toMatchObject({ code: 'http-5xx', class: 'transient' });
  expect([probe.verdict, formatGoproxy(probe.chain)]).toEqual(['degraded', `${fast.url}|direct`]);
  // It asked what the go command will ask of the project's requirements, and downloaded nothing to keep.
  expect(new Set(fast.requests.map((q) => q.kind))).toEqual(new Set(['list', 'info', 'mod', 'zip']));
  // The ranking's table is printed inside its group, where a reader who opens it looks.
  expect(platform.log.map((l) => l.level)).toEqual(['group', 'info']);
  expect(platform.log[0]!.message).toBe('Probing Go module proxies');
  expect(platform.log[1]!.message).toContain(failing.url);
});

test('what the warm found is folded in: a broken answer takes a proxy out of the chain, a transient failure sends it to the end', async () => {
  const a = await labProxy();
  // Slower, so that a ranks first.
  const b = await labProxy({ slow: 150 });
  const c = stageCase('stage-rank', { ...quick, proxies: `${a.url}\n${b.url}` });
  const { platform } = c;
  const { run, probes } = await prepareAndProbe(c);
  const untouched = await rankStage(run, probes, [], platform, shown);
  expect(formatGoproxy(untouched.chain)).toBe(`${a.url}|${b.url}|direct`);

  const broken = await rankStage(
    run,
    probes,
    [{ url: a.url, failure: failure('version-mismatch', 'asked for v0.2.0, got v0.1.0') }],
    platform,
    shown,
  );
  expect(broken.ranked.map((p) => [p.url, p.verdict])).toEqual([
    [b.url, 'healthy'],
    [a.url, 'broken'],
  ]);
  expect(broken.ranked[1]!.failure?.message).toBe('while warming: asked for v0.2.0, got v0.1.0');
  expect([broken.verdict, formatGoproxy(broken.chain)]).toEqual(['degraded', `${b.url}|direct`]);

  const transient = await rankStage(run, probes, [{ url: a.url, failure: failure('http-5xx', 'HTTP 503') }], platform, shown);
  expect(formatGoproxy(transient.chain)).toBe(`${b.url}|${a.url}|direct`);
});
