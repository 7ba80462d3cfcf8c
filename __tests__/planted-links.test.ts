/**
 * A checkout is not the guard's to trust: on GitLab the engine writes its
 * dotenv, reports and state into the project directory, where a merge request
 * can commit a symbolic link first. Through the real CLI (`go-proxy-guard
 * gitlab`), a planted link never carries the guard's text elsewhere.
 */
import { lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCommand } from './lab/go.js';
import { closeLabServers, guardCase, labProxy, type GuardCase } from './lab/guard-case.js';
import { CLI } from './lab/paths.js';

afterEach(closeLabServers);

async function gitlabJob(c: GuardCase, proxy: string) {
  const env = { ...c.env, GPG_PROXIES: proxy, GPG_PREWARM: 'false', GPG_PROBE_SAMPLES: '1', CI_PROJECT_DIR: c.project.dir };
  return runCommand(process.execPath, [CLI, 'gitlab'], { cwd: c.project.dir, env, timeoutMs: 60_000 });
}

test('a committed link in the dotenv’s place is replaced, and the file it pointed at is left alone', async () => {
  const p = await labProxy();
  const c = guardCase('planted-dotenv');
  const victim = path.join(c.lab, 'victim.txt');
  writeFileSync(victim, 'the user’s own file\n');
  symlinkSync(victim, path.join(c.project.dir, 'go-proxy-guard.env'));
  const r = await gitlabJob(c, p.url);
  expect(r.code).toBe(0);
  expect(readFileSync(victim, 'utf8')).toBe('the user’s own file\n');
  const dotenv = path.join(c.project.dir, 'go-proxy-guard.env');
  expect(lstatSync(dotenv).isFile()).toBe(true);
  expect(readFileSync(dotenv, 'utf8')).toMatch(/^GOPROXY=/m);
});

test('a committed link in the reports directory’s place is refused, with what to remove; nothing lands where it points', async () => {
  const p = await labProxy();
  const c = guardCase('planted-reports');
  const elsewhere = path.join(c.lab, 'elsewhere');
  mkdirSync(elsewhere);
  symlinkSync(elsewhere, path.join(c.project.dir, 'go-proxy-guard-report'));
  const r = await gitlabJob(c, p.url);
  expect(r.code).not.toBe(0);
  expect(r.stdout + r.stderr).toContain('go-proxy-guard-report: it is a symbolic link');
  expect(readFileSync(path.join(c.project.dir, 'go-proxy-guard.env'), 'utf8')).toMatch(/^GOPROXY=/m);
  const { readdirSync } = await import('node:fs');
  expect(readdirSync(elsewhere)).toEqual([]);
});
