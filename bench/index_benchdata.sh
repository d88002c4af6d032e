#!/usr/bin/env bash
# Index each file of ../shared/benchdata (read in place) into one scratch index, one
# `tracuu index` per file, and print wall time, docs/s and peak memory per file.
# Usage: bench/index_benchdata.sh [BENCHDATA_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${1:-../shared/benchdata}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
printf '%-30s %8s %9s %9s %10s\n' file docs wall_s docs/s peak_MB
for f in legal_corpus.jsonl legal_notices_congbao.jsonl dept_news_phapdien.jsonl news_corpus.jsonl.gz; do
  log=$(/usr/bin/time -f "TIME %e %M" .venv/bin/tracuu --index-dir "$OUT" index -q "$DATA/$f" 2>&1)
  docs=$(grep -o 'Indexed [0-9]*' <<<"$log" | grep -o '[0-9]*')
  read -r wall rss < <(grep '^TIME' <<<"$log" | cut -d' ' -f2-)
  printf '%-30s %8s %9.1f %9.0f %10.0f\n' "$f" "$docs" "$wall" "$(echo "$docs / $wall" | bc -l)" "$(echo "$rss / 1024" | bc -l)"
done
echo "index size: $(du -sh "$OUT" | cut -f1)"
.venv/bin/tracuu --index-dir "$OUT" search 87/2015/nd-cp --limit 3
