#!/usr/bin/env bash
# bundle.sh VERSION ARCH NODE_DIR OUT_DIR
# The engine as the GitLab component's jobs download it: one tarball per Linux architecture,
#   go-proxy-guard-VERSION-linux-ARCH/{bin/go-proxy-guard, lib/node, lib/go-proxy-guard.mjs, licenses}
# with the Node.js of NODE_DIR (an unpacked official linux-ARCH build: bin/node, LICENSE), so a job
# needs neither Node.js in its image nor any host but its GitLab. Appends the tarball's line to
# OUT_DIR/SHA256SUMS, from which scripts/gitlab/pin-engine.sh pins the SHA-256 in the template.
set -euo pipefail
version=${1:?usage: bundle.sh VERSION ARCH NODE_DIR OUT_DIR}
arch=${2:?usage: bundle.sh VERSION ARCH NODE_DIR OUT_DIR}
node_dir=${3:?usage: bundle.sh VERSION ARCH NODE_DIR OUT_DIR}
out=${4:?usage: bundle.sh VERSION ARCH NODE_DIR OUT_DIR}
root="$(cd "$(dirname "$0")/../.." && pwd)"
case "$arch" in x64|arm64) ;; *) echo "bundle: ARCH must be x64 or arm64, got \"$arch\"" >&2; exit 1 ;; esac
[ -x "$node_dir/bin/node" ] || { echo "bundle: no Node.js at $node_dir/bin/node (NODE_DIR is an unpacked node-vX-linux-$arch build)" >&2; exit 1; }
[ -f "$root/dist/cli/index.js" ] || { echo "bundle: no $root/dist/cli/index.js; run npm run build" >&2; exit 1; }
name="go-proxy-guard-$version-linux-$arch"
mkdir -p "$out"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/$name/bin" "$stage/$name/lib"
cp "$node_dir/bin/node" "$stage/$name/lib/node"
# .mjs: the bundle is an ES module, and no package.json travels with it.
cp "$root/dist/cli/index.js" "$stage/$name/lib/go-proxy-guard.mjs"
cp "$root/LICENSE" "$stage/$name/LICENSE"
cp "$root/dist/cli/licenses.txt" "$stage/$name/licenses.txt"
if [ -f "$node_dir/LICENSE" ]; then cp "$node_dir/LICENSE" "$stage/$name/LICENSE.node"; fi
cat > "$stage/$name/bin/go-proxy-guard" <<'LAUNCHER'
#!/bin/sh
# go-proxy-guard with the Node.js it was released with.
home=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd) || exit 3
exec "$home/lib/node" "$home/lib/go-proxy-guard.mjs" "$@"
LAUNCHER
# Reproducible: the same inputs give the same bytes on any machine (the release pipeline pins the SHA-256 in the
# template): fixed modes (not the umask), owner, order, times and format, and gzip without a name or time.
chmod -R u=rwX,go=rX "$stage/$name"
chmod 755 "$stage/$name/bin/go-proxy-guard" "$stage/$name/lib/node"
tar --format=gnu --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$stage" -cf - "$name" | gzip -n > "$out/$name.tar.gz"
(cd "$out" && sha256sum "$name.tar.gz" >> SHA256SUMS)
echo "$out/$name.tar.gz"
