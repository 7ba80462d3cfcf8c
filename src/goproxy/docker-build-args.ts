import { withoutCredentials } from './chain.js';

/**
 * Build arguments for `docker build`, where neither the exported GOPROXY nor
 * the local proxy reaches by themselves: `KEY=value` lines for
 * docker/build-push-action's `build-args` (or `--build-arg`), used with host
 * networking so that 127.0.0.1 is the runner's. Build arguments end up in
 * the image's history, so credentials never go in: a private proxy's login
 * goes in as a BuildKit secret (a netrc), which leaves no trace.
 */
export function dockerBuildArgs(goproxy: string, goflags: string | undefined): string {
  const lines = [`GOPROXY=${withoutCredentials(goproxy).value}`];
  if (goflags) lines.push(`GOFLAGS=${goflags}`);
  return lines.join('\n');
}
