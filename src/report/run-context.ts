/** Where and when this run happened, for alerts, summaries and history. */
export interface RunContext {
  platform: 'github' | 'gitlab' | 'local';
  repository: string | undefined;
  workflow: string | undefined;
  runId: string | undefined;
  /** Link to the run, for people reading an alert. */
  runUrl: string | undefined;
  /** Event or pipeline source (push, pull_request, schedule...). */
  event: string | undefined;
  at: Date;
}

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
  };
}
