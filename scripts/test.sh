#!/usr/bin/env bash
# Set everything up and run the whole test suite (extra arguments go to pytest).
set -euo pipefail
cd "$(dirname "$0")/.."
EXTRAS=test bash scripts/setup.sh
# Browser tests (tests/browser/): Debian's chromium, installed here when missing and we are root,
# and axe-core from npm (tests/browser/package-lock.json). Without them those tests skip.
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
    || echo "test.sh: chromium could not be installed; browser tests will be skipped" >&2
fi
if [ ! -f tests/browser/node_modules/axe-core/axe.min.js ] && command -v npm >/dev/null 2>&1; then
  (cd tests/browser && npm ci --no-audit --no-fund --silent) \
    || echo "test.sh: axe-core could not be installed; browser tests will be skipped" >&2
fi
# OpenSearch tests (the opensearch marker): a real node started from tools/opensearch-launcher, built here with
# Maven (Maven Central, through that module's pom). Without java/mvn those tests skip; under CI=true they fail.
if command -v mvn >/dev/null 2>&1 && command -v java >/dev/null 2>&1; then
  bash scripts/opensearch-cluster.sh build \
    || echo "test.sh: the OpenSearch launcher could not be built; OpenSearch tests will be skipped (failed under CI)" >&2
else
  echo "test.sh: java or mvn missing; OpenSearch tests will be skipped (failed under CI)" >&2
fi
exec .venv/bin/python -m pytest "$@"
