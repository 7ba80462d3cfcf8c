/**
 * Installing go-proxy-guard without building anything: the release workflow's script steps
 * (.github/workflows/release.yml calls scripts/release/*) run against throwaway git repositories,
 * and the npm package packed, installed into a temporary prefix and run from that PATH.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { runCommand } from './lab/go.js';
import { makeLabDir, repoRoot } from './lab/paths.js';

const SCRIPTS = path.join(repoRoot, 'scripts', 'release');
const GIT_ENV = {
  PATH: process.env.PATH,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'lab',
  GIT_AUTHOR_EMAIL: 'lab@example.invalid',
  GIT_COMMITTER_NAME: 'lab',
  GIT_COMMITTER_EMAIL: 'lab@example.invalid',
};

const script = (name: string, args: string[], opts: { cwd?: string; env?: Record<string, string | undefined> } = {}) =>
  runCommand('bash', [path.join(SCRIPTS, name), ...args], {
    cwd: opts.cwd ?? repoRoot,
    env: { PATH: process.env.PATH, ...opts.env },
    timeoutMs: 30_000,
  });

async function git(cwd: string, args: string[]): Promise<string> {
  const r = await runCommand('git', args, { cwd, env: { ...GIT_ENV, HOME: cwd }, timeoutMs: 20_000 });
  if (r.code !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

describe('release notes come from the CHANGELOG section of the version', () => {
  const CHANGELOG = [
    '# Changelog',
    '',
    '## [Unreleased]',
    '',
    '### Added',
    '- not released yet',
    '',
    '## [1.2.3] - 2026-11-30',
    '',
    '### Added',
    '- presets for regional mirrors',
    '',
    '### Fixed',
    '- the major tag moves',
    '',
    '',
    '## [1.2.2] - 2026-11-01',
    '- an older fix',
    '',
    '[1.2.3]: https://example.invalid/compare/v1.2.2...v1.2.3',
    '',
  ].join('\n');

  test('the section between its heading and the next, blank lines trimmed; v-prefixed tags accepted', async () => {
    const dir = makeLabDir('changelog');
    writeFileSync(path.join(dir, 'CHANGELOG.md'), CHANGELOG);
    const r = await script('changelog-notes.sh', ['v1.2.3', 'CHANGELOG.md'], { cwd: dir });
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toBe('### Added\n- presets for regional mirrors\n\n### Fixed\n- the major tag moves\n');
    // The last section stops at the link references.
    const last = await script('changelog-notes.sh', ['1.2.2', 'CHANGELOG.md'], { cwd: dir });
    expect(last.stdout).toBe('- an older fix\n');
  });

  test('a version without notes fails, saying what to do', async () => {
    const dir = makeLabDir('changelog-missing');
    writeFileSync(path.join(dir, 'CHANGELOG.md'), CHANGELOG + '## [1.3.0]\n\n');
    for (const version of ['1.2', '1.3.0']) {
      const r = await script('changelog-notes.sh', [version, 'CHANGELOG.md'], { cwd: dir });
      expect([r.code, r.stdout]).toEqual([1, '']);
      expect(r.stderr).toBe(
        `changelog-notes: CHANGELOG.md has no "## [${version}]" section with notes; add one (move the lines of "## [Unreleased]" under it) before tagging v${version}\n`,
      );
    }
  });

  test("this repository's CHANGELOG has an Unreleased section the next release takes its notes from", async () => {
    const r = await script('changelog-notes.sh', ['Unreleased', 'CHANGELOG.md']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^### Added\n- /);
  });

  test('a tag must be a stable vX.Y.Z matching package.json, with notes', async () => {
    const version = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).version as string;
    const bad = await script('check-release.sh', ['v1.2.3-rc.1']);
    expect([bad.code, bad.stderr]).toEqual([
      1,
      'check-release: tag "v1.2.3-rc.1" is not vMAJOR.MINOR.PATCH (like v1.2.3); push such a tag to release\n',
    ]);
    const other = await script('check-release.sh', ['v999.0.0']);
    expect([other.code, other.stderr]).toEqual([
      1,
      `check-release: package.json has version "${version}" but the tag is v999.0.0; run 'bash scripts/release/set-version.sh 999.0.0', commit, and tag that commit\n`,
    ]);
    const own = await script('check-release.sh', [`v${version}`]);
    const hasNotes = readFileSync(path.join(repoRoot, 'CHANGELOG.md'), 'utf8').includes(`## [${version}]`);
    expect(own.code).toBe(hasNotes ? 0 : 1);
    if (!hasNotes) expect(own.stderr).toContain(`has no "## [${version}]" section`);
  });
});

describe('one version for the npm package and the GitLab component', () => {
  test("the component runs the engine of its own version: GPG_ENGINE_VERSION is package.json's version", () => {
    const version = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).version as string;
    const template = readFileSync(path.join(repoRoot, 'templates', 'go-proxy-guard.yml'), 'utf8');
    const stamped = [...template.matchAll(/^ +GPG_ENGINE_VERSION: "([^"]*)"$/gm)].map((m) => m[1]);
    expect(stamped).toEqual([version, version]); // the guard job and the hidden serve job
  });

  test('set-version.sh sets it in package.json, its lockfile and the template; check-release.sh then accepts the tag', async () => {
    const dir = makeLabDir('set-version');
    for (const p of ['package.json', 'package-lock.json', 'CHANGELOG.md', 'templates', path.join('scripts', 'release')]) {
      cpSync(path.join(repoRoot, p), path.join(dir, p), { recursive: true });
    }
    const changelog = readFileSync(path.join(dir, 'CHANGELOG.md'), 'utf8').replace(
      '## [Unreleased]',
      '## [Unreleased]\n\n## [7.8.9] - 2026-12-01',
    );
    writeFileSync(path.join(dir, 'CHANGELOG.md'), changelog);
    const env = { PATH: process.env.PATH, HOME: dir, npm_config_cache: path.join(dir, 'npm-cache'), npm_config_update_notifier: 'false' };
    const before = await runCommand('bash', [path.join(dir, 'scripts', 'release', 'check-release.sh'), 'v7.8.9'], {
      cwd: dir,
      env,
      timeoutMs: 30_000,
    });
    expect(before.code).toBe(1);
    const set = await runCommand('bash', [path.join(dir, 'scripts', 'release', 'set-version.sh'), '7.8.9'], {
      cwd: dir,
      env,
      timeoutMs: 60_000,
    });
    expect([set.code, set.stdout]).toEqual([0, 'version 7.8.9 in package.json, package-lock.json and templates/go-proxy-guard.yml\n']);
    expect(JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).version).toBe('7.8.9');
    expect(JSON.parse(readFileSync(path.join(dir, 'package-lock.json'), 'utf8')).version).toBe('7.8.9');
    expect(readFileSync(path.join(dir, 'templates', 'go-proxy-guard.yml'), 'utf8').match(/GPG_ENGINE_VERSION: "7\.8\.9"/g)).toHaveLength(2);
    // The template alone out of step is caught too.
    const after = await runCommand('bash', [path.join(dir, 'scripts', 'release', 'check-release.sh'), 'v7.8.9'], {
      cwd: dir,
      env,
      timeoutMs: 30_000,
    });
    expect([after.code, after.stdout, after.stderr]).toEqual([0, '7.8.9\n', '']);
    const tpl = path.join(dir, 'templates', 'go-proxy-guard.yml');
    writeFileSync(tpl, readFileSync(tpl, 'utf8').replace('GPG_ENGINE_VERSION: "7.8.9"', 'GPG_ENGINE_VERSION: "7.8.8"'));
    const stale = await runCommand('bash', [path.join(dir, 'scripts', 'release', 'check-release.sh'), 'v7.8.9'], {
      cwd: dir,
      env,
      timeoutMs: 30_000,
    });
    expect([stale.code, stale.stderr]).toEqual([
      1,
      `check-release: templates/go-proxy-guard.yml has GPG_ENGINE_VERSION: "7.8.8" but the tag is v7.8.9; run 'bash scripts/release/set-version.sh 7.8.9', commit, and tag that commit\n`,
    ]);
  }, 90_000);
});

describe('the major tag follows the release, as actions/* do', () => {
  /** A bare "GitHub" remote and a clone with one commit per version. */
  async function repos() {
    const dir = makeLabDir('major-tag');
    const remote = path.join(dir, 'remote.git');
    const work = path.join(dir, 'work');
    mkdirSync(work);
    await git(dir, ['init', '-q', '--bare', remote]);
    await git(work, ['init', '-q', '-b', 'main']);
    await git(work, ['remote', 'add', 'origin', remote]);
    const commit = async (version: string) => {
      writeFileSync(path.join(work, 'VERSION'), `${version}\n`);
      await git(work, ['add', '-A']);
      await git(work, ['commit', '-q', '-m', version]);
      await git(work, ['tag', '-a', `v${version}`, '-m', `v${version}`]);
      await git(work, ['push', '-q', 'origin', 'main', `v${version}`]);
      return git(work, ['rev-parse', 'HEAD']);
    };
    const at = (ref: string) => git(remote, ['rev-parse', `${ref}^{commit}`]);
    return { work, remote, commit, at };
  }
  const move = (work: string, tag: string) => script('move-major-tag.sh', [tag, 'origin'], { cwd: work, env: { ...GIT_ENV, HOME: work } });

  test('v1.2.3 creates v1 at it; v1.2.4 moves v1; v2.0.0 creates v2 and leaves v1', async () => {
    const { work, commit, at, remote } = await repos();
    const first = await commit('1.2.3');
    const created = await move(work, 'v1.2.3');
    expect([created.code, created.stdout.trim()]).toEqual([0, `created v1 at ${first.slice(0, 12)} (v1.2.3)`]);
    expect(await at('v1')).toBe(first);
    // Like publish-action: the major ref holds the release tag's own object (the annotated tag).
    expect(await git(remote, ['rev-parse', 'refs/tags/v1'])).toBe(await git(remote, ['rev-parse', 'refs/tags/v1.2.3']));

    const second = await commit('1.2.4');
    const moved = await move(work, 'v1.2.4');
    expect([moved.code, moved.stdout.trim()]).toEqual([0, `moved v1 from ${first.slice(0, 12)} to ${second.slice(0, 12)} (v1.2.4)`]);
    expect(await at('v1')).toBe(second);

    const third = await commit('2.0.0');
    expect((await move(work, 'v2.0.0')).code).toBe(0);
    expect([await at('v2'), await at('v1')]).toEqual([third, second]);
  });

  test('a pre-release or an unknown tag leaves the major tag where it is', async () => {
    const { work, commit, at } = await repos();
    const first = await commit('1.0.0');
    expect((await move(work, 'v1.0.0')).code).toBe(0);
    await git(work, ['tag', 'v1.1.0-rc.1']);
    const rc = await move(work, 'v1.1.0-rc.1');
    expect([rc.code, rc.stderr]).toEqual([
      1,
      'move-major-tag: "v1.1.0-rc.1" is not a stable vMAJOR.MINOR.PATCH tag; the major tag stays where it is\n',
    ]);
    const missing = await move(work, 'v1.9.9');
    expect([missing.code, missing.stderr]).toEqual([1, 'move-major-tag: no tag v1.9.9 in this repository\n']);
    expect(await at('v1')).toBe(first);
  });
});

describe('the release workflow', () => {
  test('runs on vX.Y.Z tags and calls the tested scripts', () => {
    const wf = parseYaml(readFileSync(path.join(repoRoot, '.github', 'workflows', 'release.yml'), 'utf8'));
    expect(wf.on.push.tags).toEqual(['v[0-9]+.[0-9]+.[0-9]+']);
    const runs = Object.values(wf.jobs as Record<string, { steps: { run?: string }[] }>).flatMap((j) => j.steps.map((s) => s.run ?? ''));
    for (const name of ['check-release.sh', 'changelog-notes.sh', 'move-major-tag.sh', 'publish-npm.sh']) {
      expect([name, runs.some((r) => r.includes(`scripts/release/${name}`))]).toEqual([name, true]);
      expect(existsSync(path.join(SCRIPTS, name))).toBe(true);
    }
    expect(runs).toContain('bash .ci/run');
    expect(wf.jobs.release.needs).toBe('check');
    expect(wf.jobs.release.permissions).toEqual({ contents: 'write' });
  });

  test('npm publishing is skipped with a notice when no token is configured', async () => {
    const r = await script('publish-npm.sh', [], { env: { NODE_AUTH_TOKEN: '' } });
    expect([r.code, r.stdout]).toEqual([
      0,
      '::notice title=npm publish skipped::no NPM_TOKEN secret is configured; the GitHub release is made, the npm package is not published\n',
    ]);
  });
});

describe('the npm package', () => {
  const CLI_BUNDLE = path.join(repoRoot, 'dist', 'cli', 'index.js');

  test('packs the bundled CLI only, installs offline with no dependencies, and runs from the PATH', async () => {
    expect(existsSync(CLI_BUNDLE)).toBe(true); // npm run build first
    const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
    expect([pkg.private, pkg.dependencies, pkg.license, pkg.engines.node, pkg.bin['go-proxy-guard']]).toEqual([
      undefined,
      undefined,
      'MIT',
      '>=20',
      'dist/cli/index.js',
    ]);

    const dir = makeLabDir('npm-pack');
    const env = {
      PATH: process.env.PATH,
      HOME: dir,
      npm_config_cache: path.join(dir, 'npm-cache'),
      npm_config_update_notifier: 'false',
      npm_config_audit: 'false',
      npm_config_fund: 'false',
    };
    const pack = await runCommand('npm', ['pack', '--json', '--pack-destination', dir], { cwd: repoRoot, env, timeoutMs: 60_000 });
    expect(pack.code).toBe(0);
    const [packed] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[]; size: number }[];
    expect(packed!.files.map((f) => f.path).sort()).toEqual([
      'LICENSE',
      'README.md',
      'dist/cli/index.js',
      'dist/cli/licenses.txt',
      'dist/cli/package.json',
      'package.json',
    ]);

    const prefix = path.join(dir, 'prefix');
    const install = await runCommand('npm', ['install', '-g', '--offline', '--prefix', prefix, path.join(dir, packed!.filename)], {
      cwd: dir,
      env,
      timeoutMs: 90_000,
    });
    expect([install.code, install.stderr]).toEqual([0, '']);

    // Only the prefix's bin and node itself on the PATH: no repository, no node_modules.
    const bin = path.join(prefix, 'bin');
    const help = await runCommand('go-proxy-guard', ['probe', '--help'], {
      cwd: dir,
      env: { PATH: `${bin}:${path.dirname(process.execPath)}`, HOME: dir },
      timeoutMs: 30_000,
    });
    expect([help.code, help.stderr]).toEqual([0, '']);
    expect(help.stdout).toMatch(/^Usage: go-proxy-guard probe/m);
    expect(existsSync(path.join(prefix, 'lib', 'node_modules', 'go-proxy-guard', 'node_modules'))).toBe(false);
  }, 120_000);
});

describe('action.yml is ready for the Marketplace', () => {
  test('a name, an author, a description within 125 characters, and branding from the allowed sets', () => {
    const action = parseYaml(readFileSync(path.join(repoRoot, 'action.yml'), 'utf8'));
    expect(action.name).toBe('go-proxy-guard');
    expect(action.author).toBe('go-proxy-guard contributors');
    expect(action.description.length).toBeLessThanOrEqual(125);
    // GitHub's branding colours; the icon is one of the Feather icons the Marketplace lists.
    expect(['white', 'black', 'yellow', 'blue', 'green', 'orange', 'red', 'purple', 'gray-dark']).toContain(action.branding.color);
    expect(action.branding.icon).toBe('shield');
    expect(action.runs.using).toBe('node24');
  });
});
