#!/usr/bin/env bash
# tag-release.sh VERSION [REMOTE]: commit the template pin-engine.sh pinned on top of this release's commit and
# push that commit as the tag VERSION (X.Y.Z): the catalog version the release: job then creates, whose jobs run
# only the bundles published for it. Runs in the component project's tag pipeline (pin job). REMOTE defaults to
# this GitLab project over https. The job token cannot push: GPG_RELEASE_TOKEN is a project access token with
# the write_repository scope (a protected, masked CI/CD variable; docs/security.md), sent as a header from the
# environment, never on a command line or in .git/config.
set -euo pipefail
version=${1:?usage: tag-release.sh VERSION [REMOTE]}
remote=${2:-"${CI_SERVER_URL:-}/${CI_PROJECT_PATH:-}.git"}
template=templates/go-proxy-guard.yml
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "tag-release: \"$version\" is not X.Y.Z" >&2; exit 1; }
case "$remote" in https://*) ;; *) echo "tag-release: refusing to push to \"$remote\": https only" >&2; exit 1 ;; esac
[ -n "${GPG_RELEASE_TOKEN:-}" ] ||
  { echo "tag-release: set GPG_RELEASE_TOKEN (a project access token, role Maintainer, scope write_repository; see docs/security.md)" >&2; exit 1; }
for arch in x64 arm64; do
  grep -Eq "^ +gpg_pinned_$arch=\"[0-9a-f]{64}\"$" "$template" ||
    { echo "tag-release: $template pins no $arch bundle: run scripts/gitlab/pin-engine.sh first" >&2; exit 1; }
done
git -c user.name="go-proxy-guard release" -c user.email="release@go-proxy-guard.invalid" \
  commit -q -m "go-proxy-guard $version: the engine bundles' SHA-256, pinned" -- "$template"
git tag "$version"
auth=$(printf 'oauth2:%s' "$GPG_RELEASE_TOKEN" | base64 | tr -d '\n')
GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=http.extraHeader GIT_CONFIG_VALUE_0="Authorization: Basic $auth" \
  git push -q "$remote" "refs/tags/$version:refs/tags/$version"
echo "tag-release: $version is $(git rev-parse --short HEAD) (the release's commit and the pinned template), pushed to $remote"
