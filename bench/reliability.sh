#!/usr/bin/env bash
# The reliability and security suite in full (TRACUU_FULL=1: more fuzz cases, kill points and load)
# or, with QUICK=1, in the quick profile CI runs. Prints the figures at the end:
# requests sent/answered/5xx, kills survived, fuzz cases run, payloads tried.
# Extra arguments go to pytest. Needs root for the full-disk (tmpfs) tests; they skip otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
figures=$(mktemp)
trap 'rm -f "$figures"' EXIT
if [ -z "${QUICK:-}" ]; then export TRACUU_FULL=1; fi
TRACUU_FIGURES="$figures" ./scripts/test.sh -m reliability -q "$@" || status=$?
echo
echo "Reliability figures ($([ -n "${TRACUU_FULL:-}" ] && echo full || echo quick) profile):"
.venv/bin/python - "$figures" <<'PY'
import json, sys
try:
    figures = json.load(open(sys.argv[1]))
except (OSError, ValueError):
    figures = {}
for key, value in sorted(figures.items()):
    print(f"  {key:<45} {value}")
kills = sum(v for k, v in figures.items() if k.startswith("sigkill_"))
print(f"  {'kills survived (all commands)':<45} {kills}")
PY
exit "${status:-0}"
