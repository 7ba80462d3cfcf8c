#!/usr/bin/env bash
# check-dist.sh: rebuild dist/ and fail when it differs from what is committed, since
# `uses: owner/go-proxy-guard@v1` runs the committed dist/ and never builds it.
set -euo pipefail
cd "$(dirname "$0")/../.."
npm run --silent build >/dev/null
if [ -n "$(git status --porcelain -- dist)" ]; then
  echo "::error title=dist is stale::dist/ does not match the sources: run 'npm run build' and commit dist/"
  git status --short -- dist
  exit 1
fi
echo "dist/ matches the sources"
