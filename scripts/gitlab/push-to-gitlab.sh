#!/usr/bin/env bash
# push-to-gitlab.sh vX.Y.Z GITLAB_PROJECT_URL [BRANCH]: put this repository's release into the GitLab component
# project, on any tier (no pull mirroring): push the tag, whose tag pipeline there builds and publishes the engine
# bundles, pins them in the template and creates the catalog version X.Y.Z; with BRANCH, also the tag's commit as
# that branch (the project's default branch, for its README and self-test), in the same atomic push. Run by
# GitHub's release workflow, or by hand. GITLAB_PUSH_TOKEN is a project access token of the GitLab project (role
# Maintainer, to push protected tags; scope write_repository), sent as a header from the environment, never on a
# command line or in .git/config. The repository needs its whole history (actions/checkout: fetch-depth 0).
set -euo pipefail
tag=${1:?usage: push-to-gitlab.sh vX.Y.Z GITLAB_PROJECT_URL [BRANCH]}
url=${2:?usage: push-to-gitlab.sh vX.Y.Z GITLAB_PROJECT_URL [BRANCH]}
branch=${3:-}
[[ "$tag" =~ ^v[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "push-to-gitlab: \"$tag\" is not vX.Y.Z" >&2; exit 1; }
case "$url" in https://*@*) echo "push-to-gitlab: the project URL must not hold credentials (GITLAB_PUSH_TOKEN carries them)" >&2; exit 1 ;; https://*) ;;
  *) echo "push-to-gitlab: refusing to push to \"$url\": https only" >&2; exit 1 ;; esac
[ -n "${GITLAB_PUSH_TOKEN:-}" ] ||
  { echo "push-to-gitlab: set GITLAB_PUSH_TOKEN (a project access token, role Maintainer, scope write_repository; see docs/security.md)" >&2; exit 1; }
git rev-parse -q --verify "refs/tags/$tag^{commit}" >/dev/null || { echo "push-to-gitlab: no tag $tag here" >&2; exit 1; }
refs=("refs/tags/$tag:refs/tags/$tag")
if [ -n "$branch" ]; then refs+=("$(git rev-parse "refs/tags/$tag^{commit}"):refs/heads/$branch"); fi
auth=$(printf 'oauth2:%s' "$GITLAB_PUSH_TOKEN" | base64 | tr -d '\n')
GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=http.extraHeader GIT_CONFIG_VALUE_0="Authorization: Basic $auth" \
  git push -q --atomic "$url" "${refs[@]}"
echo "push-to-gitlab: pushed $tag${branch:+ and $branch} to $url"
