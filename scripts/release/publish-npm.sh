#!/usr/bin/env bash
# publish-npm.sh: publish the CLI to npm when a token is configured (NODE_AUTH_TOKEN, from the
# NPM_TOKEN secret), else skip with a notice, so a fork or a repository without the secret still releases.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ -z "${NODE_AUTH_TOKEN:-}" ]; then
  echo "::notice title=npm publish skipped::no NPM_TOKEN secret is configured; the GitHub release is made, the npm package is not published"
  exit 0
fi
# The token for npm's configured registry, read from the environment by npm itself (never written out).
registry=$(npm config get registry)
userconfig=$(mktemp)
trap 'rm -f "$userconfig"' EXIT
printf '//%s:_authToken=${NODE_AUTH_TOKEN}\n' "${registry#*://}" > "$userconfig"
# --provenance links the package to this workflow run (needs id-token: write), and npm checks that
# package.json names this repository: set it here, since the owner is only known where it runs.
if [ -n "${GITHUB_REPOSITORY:-}" ]; then
  npm pkg set repository.type=git "repository.url=git+${GITHUB_SERVER_URL:-https://github.com}/$GITHUB_REPOSITORY.git"
fi
NPM_CONFIG_USERCONFIG="$userconfig" npm publish --access public --provenance
