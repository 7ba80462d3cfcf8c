#!/usr/bin/env bash
# stamp-changelog.sh VERSION [DATE] [CHANGELOG.md]
# Releases the "## [Unreleased]" notes of a Keep a Changelog file as "## [VERSION] - DATE" (DATE: today,
# UTC), leaving an empty "## [Unreleased]" above them for what comes next. Does nothing when the file
# already has a "## [VERSION]" section (set-version.sh may run twice). Fails, saying what to write, when
# Unreleased has no notes: a release says what changed.
set -euo pipefail
version=${1:?usage: stamp-changelog.sh VERSION [DATE] [CHANGELOG.md]}
date=${2:-$(date -u +%Y-%m-%d)}
file=${3:-CHANGELOG.md}
version=${version#v}
[[ "$date" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}$ ]] || { echo "stamp-changelog: date \"$date\" is not YYYY-MM-DD" >&2; exit 1; }
[ -f "$file" ] || { echo "stamp-changelog: no $file" >&2; exit 1; }
if grep -qE "^## \[$(printf '%s' "$version" | sed 's/\./\\./g')\]" "$file"; then
  echo "$file already has ## [$version]"
  exit 0
fi
if ! bash "$(dirname "$0")/changelog-notes.sh" Unreleased "$file" >/dev/null 2>&1; then
  echo "stamp-changelog: $file has no notes under \"## [Unreleased]\": write what changed in $version there first" >&2
  exit 1
fi
out=$(mktemp "$file.XXXXXX")
trap 'rm -f "$out"' EXIT
awk -v heading="## [$version] - $date" '
  !done && /^## \[Unreleased\][[:space:]]*$/ { print; print ""; print heading; done = 1; next }
  { print }
' "$file" > "$out"
mv "$out" "$file"
trap - EXIT
echo "$file: the Unreleased notes are now ## [$version] - $date"
