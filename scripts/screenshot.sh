#!/usr/bin/env bash
# Renders a local HTML page in headless Chromium (Debian package `chromium`) and saves a
# PNG screenshot. Exits 3, printing them, if the page logged any console message (a
# JavaScript error, a blocked fetch, ...): modlr's reports have no scripts and fetch
# nothing, so any message is a fault.
# Usage: scripts/screenshot.sh PAGE.html OUT.png [WIDTH,HEIGHT]   (default 1280,2400)
set -euo pipefail
page=$(realpath "$1")
out=$(realpath -m "$2")
size=${3:-1280,2400}
profile=$(mktemp -d)  # a fresh profile: no state from earlier runs
log=$(mktemp)
trap 'rm -rf "$profile" "$log"' EXIT
# No background networking of any kind: the render must not depend on (or reach) the net.
timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --disable-default-apps --disable-extensions --user-data-dir="$profile" --hide-scrollbars \
  --window-size="$size" --screenshot="$out" --enable-logging=stderr --v=0 \
  "file://$page" >"$log" 2>&1 || { cat "$log" >&2; exit 2; }
if grep -q ':CONSOLE' "$log"; then
  grep ':CONSOLE' "$log" >&2
  exit 3
fi
[ -s "$out" ] || { echo "screenshot: no image written" >&2; exit 2; }
