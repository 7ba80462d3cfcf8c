/**
 * go.work with vendor/ (go 1.22+: `go work vendor` vendors the whole
 * workspace at its root): with every proxy down, the vendor rung saves the
 * job and a later step builds both modules offline with the exported GOFLAGS.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { hermeticGoEnv, makeGoProject, makeGoWork, runGo } from './lab/go.js';
import { BETA, closeLabServers, FAST_INPUTS, GAMMA, guardCase, labProxy, UPPER, world } from './lab/guard-case.js';

afterEach(closeLabServers);

test('a vendored workspace, every proxy down: the vendor rung, GOFLAGS=-mod=vendor, both modules build offline', async () => {
  const good = await labProxy();
  const c = guardCase('workspace-vendor');
  const ws = path.join(c.lab, 'ws');
  makeGoProject(path.join(ws, 'a'), { module: 'lab.example/a', requires: [BETA], world });
  makeGoProject(path.join(ws, 'b'), { module: 'lab.example/b', requires: [GAMMA, UPPER], world });
  makeGoWork(ws, ['a', 'b'], '1.22');
  const vendored = await runGo(['work', 'vendor'], { cwd: ws, env: { ...c.env, GOPROXY: good.url }, timeoutMs: 60_000 });
  expect(vendored.code).toBe(0);
  expect(existsSync(path.join(ws, 'vendor', 'modules.txt'))).toBe(true);

  const down = await labProxy({ status: 503 });
  const fresh = hermeticGoEnv(path.join(c.lab, 'job'), {});
  const r = await c.run(
    { ...FAST_INPUTS, proxies: down.url, direct: 'false', cache: 'false', serve: 'false', 'working-directory': ws },
    { env: { GOMODCACHE: fresh.GOMODCACHE ?? '', GOCACHE: fresh.GOCACHE ?? '' } },
  );
  expect(r.code).toBe(0);
  expect(r.outputs['ladder-step']).toBe('vendor');
  expect(r.exportedEnv.GOFLAGS).toContain('-mod=vendor');
  const build = await runGo(['build', '-o', `${path.join(c.lab, 'bin')}/`, './a', './b'], {
    cwd: ws,
    env: { ...c.env, GOMODCACHE: fresh.GOMODCACHE ?? '', GOPROXY: 'off', GOFLAGS: r.exportedEnv.GOFLAGS ?? '' },
    timeoutMs: 60_000,
  });
  expect([build.code, build.stderr]).toEqual([0, '']);
  expect(existsSync(path.join(c.lab, 'bin', 'a')) && existsSync(path.join(c.lab, 'bin', 'b'))).toBe(true);
});
