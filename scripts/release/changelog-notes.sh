#!/usr/bin/env bash
# changelog-notes.sh VERSION [CHANGELOG.md]
# Prints the body of the "## [VERSION]" section of a Keep a Changelog file (up to the next "## "
# heading or the link references at the end), trimmed of blank lines at both ends: the release notes.
# Fails, naming the version and the file, when the section is missing or empty.
set -euo pipefail
version=${1:?usage: changelog-notes.sh VERSION [CHANGELOG.md]}
file=${2:-CHANGELOG.md}
version=${version#v}
[ -f "$file" ] || { echo "changelog-notes: no $file" >&2; exit 1; }
notes=$(awk -v want="$version" '
  /^## / {
    if (inside) exit
    head = $0
    sub(/^## +\[?/, "", head); sub(/[] ].*$/, "", head)
    if (head == want) { inside = 1; next }
  }
  inside && /^\[[^]]+\]: / { exit }
  inside { print }
' "$file" | sed -e '/./,$!d' | sed -e ':a' -e '/^\n*$/{$d;N;ba' -e '}')
if [ -z "$notes" ]; then
  echo "changelog-notes: $file has no \"## [$version]\" section with notes; add one (move the lines of \"## [Unreleased]\" under it) before tagging v$version" >&2
  exit 1
fi
printf '%s\n' "$notes"
