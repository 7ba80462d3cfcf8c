/**
 * Installing go-proxy-guard without building anything: the release workflow's script steps
 * (.github/workflows/release.yml calls scripts/release/*) run against throwaway git repositories,
 * and the npm package packed, installed into a temporary prefix and run from that PATH.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { git, GIT_ENV } from './lab/git.js';
import { runCommand } from './lab/go.js';
import { makeLabDir, repoRoot } from './lab/paths.js';

const SCRIPTS = path.join(repoRoot, 'scripts', 'release');
const script = (name: string, args: string[], opts: { cwd?: string; env?: Record<string, string | undefined> } = {}) =>
  runCommand('bash', [path.join(SCRIPTS, name), ...args], {
    cwd: opts.cwd ?? repoRoot,
    env: { PATH: process.env.PATH, ...opts.env },
    timeoutMs: 30_000,
  });

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
  const version = () => JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).version as string;

  test("the component runs the engine of its own version: GPG_ENGINE_VERSION is package.json's version", () => {
    const template = readFileSync(path.join(repoRoot, 'templates', 'go-proxy-guard.yml'), 'utf8');
    const stamped = [...template.matchAll(/^ +GPG_ENGINE_VERSION: "([^"]*)"$/gm)].map((m) => m[1]);
    expect(stamped).toEqual([version(), version()]); // the guard job and the hidden serve job
  });

  test("the README's @v1, npx @1 and component @1 name the major version the next release tags", () => {
    const major = version().split('.')[0]!;
    expect(Number(major)).toBeGreaterThanOrEqual(1); // 0.x would tag v0, which no example names
    const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    const uses = [...readme.matchAll(/go-proxy-guard\/go-proxy-guard@v(\d+)\b(?!\.)/g)].map((m) => m[1]);
    const npx = [...readme.matchAll(/npx go-proxy-guard@(\d+)\b(?!\.)/g)].map((m) => m[1]);
    const component = [...readme.matchAll(/\/go-proxy-guard\/go-proxy-guard\/go-proxy-guard@(\d+)\b(?!\.)/g)].map((m) => m[1]);
    expect([uses.length > 0, npx.length > 0, component.length > 0]).toEqual([true, true, true]);
    expect(new Set([...uses, ...npx, ...component])).toEqual(new Set([major]));
  });
});

describe('stamp-changelog.sh: the Unreleased notes become the release', () => {
  const stamp = (dir: string, args: string[]) => script('stamp-changelog.sh', [...args, 'CHANGELOG.md'], { cwd: dir });
  const changelog = [
    '# Changelog',
    '',
    '## [Unreleased]',
    '',
    '### Fixed',
    '- the next fix',
    '',
    '## [1.2.3] - 2026-11-30',
    '- older',
    '',
  ].join('\n');

  test('under a dated heading, with an empty Unreleased above; twice is once; no notes, no release', async () => {
    const dir = makeLabDir('stamp');
    const file = path.join(dir, 'CHANGELOG.md');
    writeFileSync(file, changelog);
    const r = await stamp(dir, ['v1.3.0', '2026-12-07']);
    expect([r.code, r.stdout, r.stderr]).toEqual([0, 'CHANGELOG.md: the Unreleased notes are now ## [1.3.0] - 2026-12-07\n', '']);
    const stamped = readFileSync(file, 'utf8');
    expect(stamped).toBe(changelog.replace('## [Unreleased]\n', '## [Unreleased]\n\n## [1.3.0] - 2026-12-07\n'));
    expect((await script('changelog-notes.sh', ['1.3.0', 'CHANGELOG.md'], { cwd: dir })).stdout).toBe('### Fixed\n- the next fix\n');
    // Run again (set-version.sh twice): nothing changes.
    expect((await stamp(dir, ['1.3.0', '2026-12-08'])).stdout).toBe('CHANGELOG.md already has ## [1.3.0]\n');
    expect(readFileSync(file, 'utf8')).toBe(stamped);
    // Nothing unreleased: the next version is refused, the file left as it was.
    const empty = await stamp(dir, ['1.4.0', '2026-12-08']);
    expect([empty.code, empty.stderr]).toEqual([
      1,
      'stamp-changelog: CHANGELOG.md has no notes under "## [Unreleased]": write what changed in 1.4.0 there first\n',
    ]);
    expect(readFileSync(file, 'utf8')).toBe(stamped);
    expect((await stamp(dir, ['1.4.0', '07.12.2026'])).stderr).toBe('stamp-changelog: date "07.12.2026" is not YYYY-MM-DD\n');
  });

  test('set-version.sh refuses before changing anything: no release notes, or no node_modules to rebuild dist/ with', async () => {
    const dir = makeLabDir('set-version-refused');
    for (const p of ['package.json', 'package-lock.json', 'templates', path.join('scripts', 'release')]) {
      cpSync(path.join(repoRoot, p), path.join(dir, p), { recursive: true });
    }
    writeFileSync(path.join(dir, 'CHANGELOG.md'), '# Changelog\n\n## [Unreleased]\n\n## [1.0.0] - 2026-12-01\n- first\n');
    const before = ['package.json', 'package-lock.json', path.join('templates', 'go-proxy-guard.yml'), 'CHANGELOG.md'].map((f) =>
      readFileSync(path.join(dir, f), 'utf8'),
    );
    const setVersion = () =>
      runCommand('bash', [path.join(dir, 'scripts', 'release', 'set-version.sh'), '9.9.9'], {
        cwd: dir,
        env: { PATH: process.env.PATH, HOME: dir },
        timeoutMs: 30_000,
      });
    const noModules = await setVersion();
    expect([noModules.code, noModules.stderr]).toEqual([1, "set-version: no node_modules to rebuild dist/ with; run 'npm ci' first\n"]);
    mkdirSync(path.join(dir, 'node_modules'));
    const noNotes = await setVersion();
    expect([noNotes.code, noNotes.stderr]).toEqual([
      1,
      'stamp-changelog: CHANGELOG.md has no notes under "## [Unreleased]": write what changed in 9.9.9 there first\n',
    ]);
    const after = ['package.json', 'package-lock.json', path.join('templates', 'go-proxy-guard.yml'), 'CHANGELOG.md'].map((f) =>
      readFileSync(path.join(dir, f), 'utf8'),
    );
    expect(after).toEqual(before);
  });
});

describe('a release rehearsed in a throwaway clone, with a bare repository as origin', () => {
  /** Two builds (set-version.sh, then the gate) on a machine shared by many: generous, a build takes 20-160 s. */
  const REHEARSAL_TIMEOUT = 900_000;
  const BUILD_TIMEOUT = 420_000;

  /** This working tree (tracked and new files, as they are now) committed to a new repository and pushed to `origin`. */
  async function publishWorkingTree(seed: string, origin: string): Promise<void> {
    const listed = await runCommand('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      cwd: repoRoot,
      env: { ...GIT_ENV, HOME: repoRoot },
      timeoutMs: 20_000,
    });
    expect(listed.code).toBe(0);
    for (const f of listed.stdout.split('\0').filter((f) => f !== '' && existsSync(path.join(repoRoot, f)))) {
      mkdirSync(path.dirname(path.join(seed, f)), { recursive: true });
      cpSync(path.join(repoRoot, f), path.join(seed, f));
    }
    await git(seed, ['init', '-q', '-b', 'main']);
    await git(seed, ['add', '-A']);
    await git(seed, ['commit', '-q', '-m', 'main as it is']);
    await git(path.dirname(origin), ['init', '-q', '--bare', '-b', 'main', origin]);
    await git(seed, ['push', '-q', origin, 'main']);
  }

  test(
    'set-version, commit, the dist/ gate, tag, push; the release checks pass on the tag and v1 moves to it',
    async () => {
      const dir = makeLabDir('rehearsal');
      const [seed, origin, work, ci] = ['seed', 'origin.git', 'work', 'ci'].map((d) => path.join(dir, d)) as [
        string,
        string,
        string,
        string,
      ];
      await publishWorkingTree(seed, origin);
      // The maintainer's checkout: a clone, with node_modules as `npm ci` leaves it (a real directory: a symlink
      // would change the bundle's module ids, and so dist/).
      await git(dir, ['clone', '-q', origin, work]);
      try {
        const copied = await runCommand('cp', ['-a', path.join(repoRoot, 'node_modules'), path.join(work, 'node_modules')], {
          timeoutMs: 120_000,
        });
        expect([copied.code, copied.stderr]).toEqual([0, '']);
        const inWork = (name: string, args: string[], env: Record<string, string> = {}, cwd = work) =>
          runCommand('bash', [path.join(cwd, 'scripts', 'release', name), ...args], {
            cwd,
            env: { ...GIT_ENV, HOME: dir, npm_config_cache: path.join(dir, 'npm-cache'), npm_config_update_notifier: 'false', ...env },
            timeoutMs: BUILD_TIMEOUT,
          });

        // An earlier release of this major version is out: its tag, and v1 at it.
        const current = JSON.parse(readFileSync(path.join(work, 'package.json'), 'utf8')).version as string;
        const [major, minor, patch] = current.split('.').map(Number) as [number, number, number];
        const next = `${major}.${minor}.${patch + 1}`;
        await git(work, ['tag', '-a', `v${current}`, '-m', `v${current}`]);
        await git(work, ['push', '-q', 'origin', `v${current}`]);
        expect((await inWork('move-major-tag.sh', [`v${current}`, 'origin'])).code).toBe(0);
        const previous = await git(origin, ['rev-parse', `v${major}^{commit}`]);

        // Prepare the release: everything it changes, and nothing else.
        const set = await inWork('set-version.sh', [next], { RELEASE_DATE: '2026-12-07' });
        expect([set.code, set.stdout]).toEqual([
          0,
          `CHANGELOG.md: the Unreleased notes are now ## [${next}] - 2026-12-07\n` +
            `version ${next} in package.json, package-lock.json and templates/go-proxy-guard.yml; dist/ rebuilt\n`,
        ]);
        const changed = (await git(work, ['status', '--porcelain'])).split('\n').map((l) => l.trim());
        expect(changed.sort()).toEqual([
          'M CHANGELOG.md',
          'M dist/cli/index.js',
          'M package-lock.json',
          'M package.json',
          'M templates/go-proxy-guard.yml',
        ]);
        const cli = await runCommand(process.execPath, [path.join(work, 'dist', 'cli', 'index.js'), '--version'], { timeoutMs: 30_000 });
        expect(cli.stdout).toBe(`go-proxy-guard ${next}\n`);
        await git(work, ['commit', '-q', '-am', `Release v${next}`]);

        // The workflow's gate: a rebuild of the committed tree changes nothing.
        const gate = await inWork('check-dist.sh', []);
        expect([gate.code, gate.stdout]).toEqual([0, 'dist/ matches the sources\n']);

        await git(work, ['tag', '-a', `v${next}`, '-m', `v${next}`]);
        await git(work, ['push', '-q', 'origin', 'main', `v${next}`]);
        const release = await git(work, ['rev-parse', 'HEAD']);

        // The release workflow's checkout of the tag: the checks, the notes, the major tag.
        await git(dir, ['clone', '-q', '--branch', `v${next}`, origin, ci]);
        const checked = await inWork('check-release.sh', [`v${next}`], {}, ci);
        expect([checked.code, checked.stdout, checked.stderr]).toEqual([0, `${next}\n`, '']);
        const notes = await inWork('changelog-notes.sh', [`v${next}`, 'CHANGELOG.md'], {}, ci);
        expect(notes.code).toBe(0);
        expect(notes.stdout).toMatch(/^### Added\n- /);
        const moved = await inWork('move-major-tag.sh', [`v${next}`, 'origin'], {}, ci);
        expect([moved.code, moved.stdout.trim()]).toEqual([
          0,
          `moved v${major} from ${previous.slice(0, 12)} to ${release.slice(0, 12)} (v${next})`,
        ]);
        expect(await git(origin, ['rev-parse', `v${major}^{commit}`])).toBe(release);
        expect(await git(origin, ['rev-parse', `refs/tags/v${major}`])).toBe(await git(origin, ['rev-parse', `refs/tags/v${next}`]));

        // A template left behind is caught by the same check.
        const tpl = path.join(ci, 'templates', 'go-proxy-guard.yml');
        writeFileSync(tpl, readFileSync(tpl, 'utf8').replace(`GPG_ENGINE_VERSION: "${next}"`, `GPG_ENGINE_VERSION: "${current}"`));
        const stale = await inWork('check-release.sh', [`v${next}`], {}, ci);
        expect([stale.code, stale.stderr]).toEqual([
          1,
          `check-release: templates/go-proxy-guard.yml has GPG_ENGINE_VERSION: "${current}" but the tag is v${next}; run 'bash scripts/release/set-version.sh ${next}', commit, and tag that commit\n`,
        ]);
      } finally {
        rmSync(path.join(work, 'node_modules'), { recursive: true, force: true });
      }
    },
    REHEARSAL_TIMEOUT,
  );
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

  test('the major tag moves after the release is created, only for a published stable release; by hand, it rolls back', () => {
    const wf = parseYaml(readFileSync(path.join(repoRoot, '.github', 'workflows', 'release.yml'), 'utf8'));
    // As actions/publish-action: run by hand with an earlier release's tag to point the major tag back at it.
    expect(wf.on.workflow_dispatch.inputs.tag).toMatchObject({ required: true, type: 'string' });
    const job = wf.jobs['major-tag'] as { needs: string; if: string; env: Record<string, string>; steps: { run?: string }[] };
    expect(job.needs).toBe('release');
    expect(job.if).toContain("needs.release.result == 'success'");
    const runs = job.steps.map((s) => s.run ?? '').join('\n');
    expect(runs).toContain('gh release view "$TAG" --json isDraft,isPrerelease');
    expect(runs).toContain('bash scripts/release/move-major-tag.sh "$TAG" origin');
    // Only the tag push checks, releases and publishes; a dispatch moves the major tag and nothing else.
    for (const name of ['check']) expect(wf.jobs[name].if).toBe("github.event_name == 'push'");
    expect([wf.jobs.release.needs, wf.jobs.npm.needs]).toEqual(['check', 'check']);
    // Inputs and refs reach scripts through the environment, never spliced into a script.
    const allRuns = Object.values(wf.jobs as Record<string, { steps: { run?: string }[] }>).flatMap((j) => j.steps.map((s) => s.run ?? ''));
    for (const r of allRuns) expect(r).not.toMatch(/\$\{\{/);
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
