/**
 * The supported go range: an older go on PATH is refused with a message that
 * names it and the way out, before any proxy is asked anything.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCommand } from './lab/go.js';
import { closeLabServers, guardCase, labProxy } from './lab/guard-case.js';
import { CLI } from './lab/paths.js';
import { SUPPORTED_GO, unsupportedGo } from '../src/go/go-version.js';

afterEach(closeLabServers);

/** A `go` on PATH that is the real one, except that it says it is `version`. */
function goThatSays(dir: string, version: string): string {
  const bin = path.join(dir, 'old-go-bin');
  mkdirSync(bin, { recursive: true });
  const real = path.join(process.env.GOROOT ?? '/usr/local/go', 'bin', 'go');
  writeFileSync(
    path.join(bin, 'go'),
    `#!/bin/sh\nif [ "$1" = env ]; then "${real}" "$@" | sed 's/"GOVERSION": "[^"]*"/"GOVERSION": "${version}"/'; exit; fi\nexec "${real}" "$@"\n`,
  );
  chmodSync(path.join(bin, 'go'), 0o755);
  return bin;
}

test.each(['go1.19.8', 'go1.23.12'])('%s is refused: exit 2, the version and the fix named, no proxy asked', async (version) => {
  const proxy = await labProxy();
  const c = guardCase(`go-version-${version}`);
  const bin = goThatSays(c.lab, version);
  const r = await runCommand(process.execPath, [CLI, 'warm', '--json', '--proxies', proxy.url], {
    cwd: c.project.dir,
    env: { ...c.env, PATH: `${bin}:${c.env.PATH}` },
    timeoutMs: 60_000,
  });
  expect(r.code).toBe(2);
  const error = JSON.parse(r.stdout).error as string;
  expect(error).toContain(`${version} is not supported`);
  expect(error).toContain(SUPPORTED_GO);
  expect(proxy.requests).toEqual([]);
});

test('the machine’s own go is supported, and so are newer and development releases', () => {
  for (const v of ['go1.24.0', 'go1.26.8', 'go1.27.3', 'go1.28rc1', 'devel go1.29-abcdef', 'go2.0.0'])
    expect(unsupportedGo(v)).toBeUndefined();
  expect(unsupportedGo('go1.21.13')).toContain('go1.21.13 is not supported');
});
