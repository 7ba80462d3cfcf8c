/**
 * git for throwaway repositories: a fixed identity, nothing of the machine's
 * or the user's configuration (HOME is the repository).
 */
import { runCommand } from './go.js';

/** The environment every lab git command runs with (HOME added per repository). */
export const GIT_ENV = {
  PATH: process.env.PATH,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'lab',
  GIT_AUTHOR_EMAIL: 'lab@example.invalid',
  GIT_COMMITTER_NAME: 'lab',
  GIT_COMMITTER_EMAIL: 'lab@example.invalid',
};

/** git in `dir`; throws with git's stderr, returns its stdout trimmed. */
export async function git(dir: string, args: string[], env: Record<string, string | undefined> = {}): Promise<string> {
  const r = await runCommand('git', args, { cwd: dir, env: { ...GIT_ENV, HOME: dir, ...env }, timeoutMs: 20_000 });
  if (r.code !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

/** Make `dir` a repository on main with everything in it committed (gitlab-ci-local needs a commit); `remote` names origin. */
export async function commitAll(dir: string, opts: { remote?: string } = {}): Promise<void> {
  await git(dir, ['init', '-q', '-b', 'main']);
  if (opts.remote) await git(dir, ['remote', 'add', 'origin', opts.remote]);
  await git(dir, ['add', '-A']);
  await git(dir, ['commit', '-q', '-m', 'lab']);
}
