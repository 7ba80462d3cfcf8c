import type { RunContext } from '../model/run-context.js';

export function githubRunContext(env: NodeJS.ProcessEnv, at = new Date()): RunContext {
  const server = env.GITHUB_SERVER_URL || 'https://github.com';
  const repo = env.GITHUB_REPOSITORY;
  const runId = env.GITHUB_RUN_ID;
  return {
    platform: 'github',
    repository: repo,
    workflow: env.GITHUB_WORKFLOW,
    runId,
    runUrl: repo && runId ? `${server}/${repo}/actions/runs/${runId}` : undefined,
    event: env.GITHUB_EVENT_NAME,
    at,
    // The action's own repository (a fork's, a mirror's): empty for `uses: ./`.
    ...(env.GITHUB_ACTION_REPOSITORY ? { source: { forge: 'github', serverUrl: server, path: env.GITHUB_ACTION_REPOSITORY } } : {}),
  };
}
