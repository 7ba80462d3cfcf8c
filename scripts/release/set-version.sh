#!/usr/bin/env bash
# set-version.sh X.Y.Z: the version of the next release, in package.json (and its lockfile) and in
# the GitLab component (GPG_ENGINE_VERSION: the engine its jobs download). Commit, then tag vX.Y.Z.
set -euo pipefail
version=${1:?usage: set-version.sh X.Y.Z}
version=${version#v}
[[ "$version" =~ ^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$ ]] || { echo "set-version: \"$version\" is not X.Y.Z" >&2; exit 1; }
cd "$(dirname "$0")/../.."
npm version --no-git-tag-version --allow-same-version "$version" >/dev/null
sed -i.bak -E "s/^( +GPG_ENGINE_VERSION: )\"[^\"]*\"/\1\"$version\"/" templates/go-proxy-guard.yml && rm -f templates/go-proxy-guard.yml.bak
echo "version $version in package.json, package-lock.json and templates/go-proxy-guard.yml"
