#!/usr/bin/env bash
# check-release.sh TAG
# A release tag must be vMAJOR.MINOR.PATCH (no pre-release suffix: a major tag never points at one),
# match package.json's version and the GitLab component's GPG_ENGINE_VERSION (the engine its jobs
# download), and have its notes in CHANGELOG.md. Prints the version.
set -euo pipefail
tag=${1:?usage: check-release.sh TAG}
cd "$(dirname "$0")/../.."
if ! [[ "$tag" =~ ^v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$ ]]; then
  echo "check-release: tag \"$tag\" is not vMAJOR.MINOR.PATCH (like v1.2.3); push such a tag to release" >&2
  exit 1
fi
version=${tag#v}
pkg=$(node -p 'require("./package.json").version')
if [ "$pkg" != "$version" ]; then
  echo "check-release: package.json has version \"$pkg\" but the tag is $tag; run 'bash scripts/release/set-version.sh $version', commit, and tag that commit" >&2
  exit 1
fi
stale=$(grep -E '^ +GPG_ENGINE_VERSION: ' templates/go-proxy-guard.yml | grep -vF "GPG_ENGINE_VERSION: \"$version\"" || true)
if [ -n "$stale" ]; then
  echo "check-release: templates/go-proxy-guard.yml has $(echo "$stale" | head -1 | sed 's/^ *//') but the tag is $tag; run 'bash scripts/release/set-version.sh $version', commit, and tag that commit" >&2
  exit 1
fi
bash scripts/release/changelog-notes.sh "$version" CHANGELOG.md >/dev/null
echo "$version"
