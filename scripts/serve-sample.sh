#!/usr/bin/env bash
# Set everything up, index the bundled sample corpus and serve it at http://127.0.0.1:8080
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export TRACUU_INDEX_DIR=${TRACUU_INDEX_DIR:-index_data}
.venv/bin/tracuu index samples/sldtbxh/articles.jsonl samples/sldtbxh/legal.jsonl samples/sttt/articles.jsonl
.venv/bin/tracuu index samples/sldtbxh/pages --site sldtbxh --kind article
exec .venv/bin/tracuu serve --config samples/tracuu.toml --host "${HOST:-127.0.0.1}" --port "${PORT:-8080}"
