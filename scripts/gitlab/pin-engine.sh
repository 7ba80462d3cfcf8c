#!/usr/bin/env bash
# pin-engine.sh VERSION SHA256SUMS [TEMPLATE]: write the SHA-256 of each engine bundle of VERSION (the lines of
# go-proxy-guard-VERSION-linux-x64.tar.gz and -arm64.tar.gz in SHA256SUMS, as bundle.sh writes them) into the
# template's gpg_pinned_x64 / gpg_pinned_arm64, so that its jobs run those bundles and no other, whatever the
# package registry serves. TEMPLATE defaults to templates/go-proxy-guard.yml; its GPG_ENGINE_VERSION must be VERSION.
set -euo pipefail
version=${1:?usage: pin-engine.sh VERSION SHA256SUMS [TEMPLATE]}
sums=${2:?usage: pin-engine.sh VERSION SHA256SUMS [TEMPLATE]}
template=${3:-"$(cd "$(dirname "$0")/../.." && pwd)/templates/go-proxy-guard.yml"}
grep -Eq "^ +GPG_ENGINE_VERSION: \"$version\"$" "$template" ||
  { echo "pin-engine: $template is not for version $version (GPG_ENGINE_VERSION; scripts/release/set-version.sh sets it)" >&2; exit 1; }
for arch in x64 arm64; do
  name="go-proxy-guard-$version-linux-$arch.tar.gz"
  sum=$(awk -v n="$name" '$2 == n || $2 == "*" n { print $1 }' "$sums")
  [[ "$sum" =~ ^[0-9a-f]{64}$ ]] || { echo "pin-engine: $sums has no single SHA-256 for $name" >&2; exit 1; }
  [ "$(grep -Ec "^ +gpg_pinned_$arch=\"[0-9a-f]*\"$" "$template")" = 1 ] ||
    { echo "pin-engine: $template has no single gpg_pinned_$arch line" >&2; exit 1; }
  sed -i.bak -E "s/^( +gpg_pinned_$arch=)\"[0-9a-f]*\"$/\1\"$sum\"/" "$template" && rm -f "$template.bak"
  echo "pinned $name $sum"
done
