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
  /** Where the running go-proxy-guard comes from (absent: the npm package, or an action run as `uses: ./`). */
  source?: ActionSource;
}

/** The repository or project a copy of go-proxy-guard was taken from: its docs and issues are there. */
export interface ActionSource {
  /** Which forge: it decides the shape of the URLs (GitLab puts issues under /-/). */
  forge: 'github' | 'gitlab';
  /** GITHUB_SERVER_URL, CI_SERVER_URL. */
  serverUrl: string;
  /** owner/repo on GitHub, group/.../project on GitLab. */
  path: string;
}
