#!/usr/bin/env bash
# Refresh the committed screenshots (docs/screenshots/*.png, shown by the README and
# docs/visitors-and-embedders.md). The browser tests take them on every run, but into a tmp
# folder; here they go to docs/screenshots instead (TRACUU_SCREENSHOTS_DIR). Extra arguments go
# to pytest. Needs what scripts/test.sh sets up: the venv, Chromium and axe-core.
set -euo pipefail
cd "$(dirname "$0")/.."
SHOTS=docs/screenshots
NAMES=(search-desktop.png search-phone.png embed-widget.png embed-iframe.png)
if [ ! -x .venv/bin/python ] || ! command -v chromium >/dev/null 2>&1 \
    || [ ! -f tests/browser/node_modules/axe-core/axe.min.js ]; then
  echo "screenshots.sh: needs .venv, chromium and axe-core: run scripts/test.sh once (it installs them)" >&2
  exit 1
fi
mkdir -p "$SHOTS"
stamp=$(mktemp)
trap 'rm -f "$stamp"' EXIT
TRACUU_SCREENSHOTS_DIR="$SHOTS" .venv/bin/python -m pytest -q tests/browser/test_browser_search.py "$@"
# The tests skip rather than fail without a browser: make sure every screenshot was really taken.
for name in "${NAMES[@]}"; do
  if [ ! "$SHOTS/$name" -nt "$stamp" ]; then
    echo "screenshots.sh: $SHOTS/$name was not refreshed" >&2
    exit 1
  fi
done
echo "refreshed: ${NAMES[*]/#/$SHOTS/}"
git status --short -- "$SHOTS" 2>/dev/null || true
