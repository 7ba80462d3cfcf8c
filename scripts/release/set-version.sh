#!/usr/bin/env bash
# set-version.sh X.Y.Z: prepare the release vX.Y.Z in this checkout, leaving a tree whose rebuild changes
# nothing (the release workflow's "dist is stale" gate):
#   package.json and its lockfile          the version (the CLI bundle embeds it: --version)
#   templates/go-proxy-guard.yml           GPG_ENGINE_VERSION, the engine the GitLab component's jobs download
#   CHANGELOG.md                           "## [Unreleased]" notes become "## [X.Y.Z] - today" (RELEASE_DATE=YYYY-MM-DD to choose)
#   dist/                                  rebuilt (npm run build), so the committed bundles embed X.Y.Z
# Then review, commit everything, and tag that commit vX.Y.Z (docs/releasing.md).
set -euo pipefail
version=${1:?usage: set-version.sh X.Y.Z}
version=${version#v}
[[ "$version" =~ ^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$ ]] || { echo "set-version: \"$version\" is not X.Y.Z" >&2; exit 1; }
cd "$(dirname "$0")/../.."
[ -d node_modules ] || { echo "set-version: no node_modules to rebuild dist/ with; run 'npm ci' first" >&2; exit 1; }
# First what can refuse (no release notes), so a refusal changes nothing.
bash scripts/release/stamp-changelog.sh "$version" "${RELEASE_DATE:-$(date -u +%Y-%m-%d)}" CHANGELOG.md
npm version --no-git-tag-version --allow-same-version "$version" >/dev/null
sed -i.bak -E "s/^( +GPG_ENGINE_VERSION: )\"[^\"]*\"/\1\"$version\"/" templates/go-proxy-guard.yml && rm -f templates/go-proxy-guard.yml.bak
npm run --silent build >/dev/null
echo "version $version in package.json, package-lock.json and templates/go-proxy-guard.yml; dist/ rebuilt"
