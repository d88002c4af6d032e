#!/usr/bin/env bash
# Refresh the screenshots in docs/screenshots/ (the README and docs/visitors-and-embedders.md show
# them): serves the bundled samples and photographs the pages with Debian's chromium. The test run
# never writes them. Needs what scripts/test.sh sets up (the venv with Playwright, chromium).
# Arguments go to scripts/screenshots.py (--out DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  echo "screenshots.sh: .venv is missing: run scripts/test.sh once (it installs Playwright and chromium)" >&2
  exit 1
fi
exec .venv/bin/python scripts/screenshots.py "$@"
