#!/usr/bin/env bash
# fetch-node.sh NODE_VERSION ARCH OUT_DIR: the official Node.js linux-ARCH build of NODE_VERSION
# (like 24.11.1), checked against the release's SHASUMS256.txt, unpacked into OUT_DIR.
# Used once per release by the release pipeline, never by the component's jobs.
set -euo pipefail
version=${1:?usage: fetch-node.sh NODE_VERSION ARCH OUT_DIR}
arch=${2:?usage: fetch-node.sh NODE_VERSION ARCH OUT_DIR}
out=${3:?usage: fetch-node.sh NODE_VERSION ARCH OUT_DIR}
mirror=${NODE_MIRROR:-https://nodejs.org/dist}
name="node-v$version-linux-$arch.tar.gz"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
curl -fsSL --proto =https --retry 3 -o "$work/SHASUMS256.txt" "$mirror/v$version/SHASUMS256.txt"
curl -fsSL --proto =https --retry 3 -o "$work/$name" "$mirror/v$version/$name"
(cd "$work" && grep "  $name\$" SHASUMS256.txt | sha256sum -c -)
mkdir -p "$out"
tar -xzf "$work/$name" -C "$out" --strip-components=1
