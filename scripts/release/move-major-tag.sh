#!/usr/bin/env bash
# move-major-tag.sh TAG [REMOTE]
# Points the major tag (v1 for v1.2.3) at the same object as TAG and force-pushes it, as
# actions/publish-action does (update the ref to the release tag's object; create it when missing),
# so `uses: owner/go-proxy-guard@v1` gets this release. Only a stable vX.Y.Z moves a major tag.
set -euo pipefail
tag=${1:?usage: move-major-tag.sh TAG [REMOTE]}
remote=${2:-origin}
if ! [[ "$tag" =~ ^(v(0|[1-9][0-9]*))\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$ ]]; then
  echo "move-major-tag: \"$tag\" is not a stable vMAJOR.MINOR.PATCH tag; the major tag stays where it is" >&2
  exit 1
fi
major=${BASH_REMATCH[1]}
object=$(git rev-parse --verify --quiet "refs/tags/$tag") || { echo "move-major-tag: no tag $tag in this repository" >&2; exit 1; }
before=$(git rev-parse --verify --quiet "refs/tags/$major^{commit}" || true)
git update-ref "refs/tags/$major" "$object"
git push --force "$remote" "refs/tags/$major:refs/tags/$major"
after=$(git rev-parse "refs/tags/$major^{commit}")
if [ -n "$before" ]; then echo "moved $major from ${before:0:12} to ${after:0:12} ($tag)"; else echo "created $major at ${after:0:12} ($tag)"; fi
