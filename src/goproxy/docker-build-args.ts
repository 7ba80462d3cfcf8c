import { formatGoproxy, withoutCredentials, type Chain } from './chain.js';

/**
 * Build arguments for `docker build`: `KEY=value` lines for
 * docker/build-push-action's `build-args` (or `--build-arg`). The ranked
 * chain, the `goproxy` output's proxies, never the local proxy: a build
 * cannot reach the runner's loopback, and its URL carries a per-run token.
 * Build arguments end up in the image's history, so credentials never go
 * in: a private proxy's login goes in as a BuildKit secret (a netrc).
 */
export function dockerBuildArgs(chain: Chain, goflags: string | undefined): string {
  const lines = [`GOPROXY=${formatGoproxy(withoutCredentials(chain))}`];
  if (goflags) lines.push(`GOFLAGS=${goflags}`);
  return lines.join('\n');
}
