#!/usr/bin/env bash
# publish.sh VERSION DIR: upload every file of DIR (the bundles and SHA256SUMS) to this project's
# generic package registry as go-proxy-guard/VERSION, where the component's jobs look for them.
# Runs in the release pipeline: CI_API_V4_URL, CI_PROJECT_ID and CI_JOB_TOKEN come from GitLab.
set -euo pipefail
version=${1:?usage: publish.sh VERSION DIR}
dir=${2:?usage: publish.sh VERSION DIR}
base="$CI_API_V4_URL/projects/$CI_PROJECT_ID/packages/generic/go-proxy-guard/$version"
for f in "$dir"/*; do
  printf 'header = "JOB-TOKEN: %s"\n' "$CI_JOB_TOKEN" |
    curl -K - -fsS --proto =https --retry 3 --upload-file "$f" "$base/$(basename "$f")?select=package_file" >/dev/null
  echo "published $(basename "$f") to $base/"
done
