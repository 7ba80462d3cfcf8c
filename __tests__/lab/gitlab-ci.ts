/**
 * GitLab pipelines on this machine: throwaway git repositories laid out like
 * the component project, run by gitlab-ci-local (shell executor, GitLab's
 * cache through shell isolation), and what a run leaves to assert on: the
 * jobs that passed, each job's log, its artifacts and GitLab's cache.
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCommand, type RunResult } from './go.js';
import { CLI, repoRoot } from './paths.js';

export const GITLAB_CI_LOCAL = path.join(repoRoot, 'node_modules', 'gitlab-ci-local', 'dist', 'index.js');
/** The component's template, as the repository keeps it. */
export const TEMPLATE = path.join(repoRoot, 'templates', 'go-proxy-guard.yml');

/** The origin of the lab's component project: include: component: resolves against it. */
export const LAB_ORIGIN = 'https://gitlab.example.invalid/lab/go-proxy-guard.git';

/**
 * A throwaway repository laid out like the component project (templates/, dist/cli/) around what `dir` holds
 * (a Go module, usually), with `pipeline` (a file, or its text) as .gitlab-ci.yml.
 */
export function componentRepo(dir: string, pipeline: { file: string } | { text: string }): void {
  mkdirSync(path.join(dir, 'templates'), { recursive: true });
  cpSync(TEMPLATE, path.join(dir, 'templates', 'go-proxy-guard.yml'));
  mkdirSync(path.join(dir, 'dist', 'cli'), { recursive: true });
  for (const f of ['index.js', 'package.json']) cpSync(path.join(path.dirname(CLI), f), path.join(dir, 'dist', 'cli', f));
  writeFileSync(path.join(dir, '.gitlab-ci.yml'), 'file' in pipeline ? readFileSync(pipeline.file) : pipeline.text);
  writeFileSync(path.join(dir, '.gitignore'), 'app\n');
}

/** gitlab-ci-local in `repo` with its home under `lab`, no colour; `args` say what to run (nothing: the whole pipeline). */
export function gitlabCiLocal(
  repo: string,
  lab: string,
  args: string[],
  env: Record<string, string | undefined>,
  timeoutMs = 90_000,
): Promise<RunResult> {
  return runCommand(process.execPath, [GITLAB_CI_LOCAL, '--no-color', '--home', path.join(lab, 'gitlab-ci-local-home'), ...args], {
    cwd: repo,
    env,
    timeoutMs,
  });
}

/** `--variable NAME=value` for each. */
export const variableArgs = (variables: Record<string, string>): string[] =>
  Object.entries(variables).flatMap(([k, v]) => ['--variable', `${k}=${v}`]);

/** What one pipeline run printed (stdout and stderr together, as a GitLab job log has them). */
export interface PipelineRun extends RunResult {
  out: string;
}

/**
 * The whole pipeline as this machine allows: the shell executor for jobs with image:, GitLab's cache through
 * shell isolation, artifacts kept under .gitlab-ci-local/artifacts only.
 */
export async function runPipeline(
  repo: string,
  lab: string,
  variables: Record<string, string>,
  env: Record<string, string | undefined>,
  timeoutMs = 90_000,
): Promise<PipelineRun> {
  const args = ['--force-shell-executor', '--shell-isolation', '--no-artifacts-to-source', ...variableArgs(variables)];
  const r = await gitlabCiLocal(repo, lab, args, env, timeoutMs);
  return { ...r, out: r.stdout + r.stderr };
}

/** The lines a job printed, without gitlab-ci-local's job-name prefix. */
export const jobLog = (out: string, job: string): string[] =>
  out
    .split('\n')
    .filter((l) => l.startsWith(`${job} `))
    .map((l) => l.slice(job.length).replace(/^\s+/, ''));

/** The jobs gitlab-ci-local's closing list marks PASS (in its order). */
export const passedJobs = (out: string): string[] => [...out.matchAll(/^ ?PASS +(?:\[[^\]]*\] +)?(\S+)/gm)].map((m) => m[1]!);

/** Where gitlab-ci-local keeps a job's artifacts (with --no-artifacts-to-source). */
export const artifactsOf = (repo: string, job: string, ...file: string[]): string =>
  path.join(repo, '.gitlab-ci-local', 'artifacts', job, ...file);

/** NAME=value lines, by name. */
const parseEnv = (text: string): Record<string, string> =>
  Object.fromEntries(
    text
      .split('\n')
      .filter(Boolean)
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );

/** The dotenv report (artifacts:reports:dotenv) a job left, by name. */
export const dotenvReport = (repo: string, job: string, file = `${job}.env`): Record<string, string> =>
  parseEnv(readFileSync(artifactsOf(repo, job, '.gitlab-ci-reports', 'dotenv', file), 'utf8'));

/** An artifact of NAME=value lines (what a job kept of its variables), by name. */
export const envArtifact = (repo: string, job: string, ...file: string[]): Record<string, string> =>
  parseEnv(readFileSync(artifactsOf(repo, job, ...file), 'utf8'));

/** A JSON artifact of a job, parsed. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const jsonArtifact = (repo: string, job: string, ...file: string[]): any =>
  JSON.parse(readFileSync(artifactsOf(repo, job, ...file), 'utf8'));

/** Where GitLab's cache: (as gitlab-ci-local keeps it) holds a key's files. */
export const gitlabCache = (repo: string, key: string, ...file: string[]): string =>
  path.join(repo, '.gitlab-ci-local', 'cache', key, ...file);
