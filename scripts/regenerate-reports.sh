#!/usr/bin/env bash
# Regenerates reports/<workload>/ for every shipped workload with the current code:
#   scripts/regenerate-reports.sh           rewrite the reports
#   scripts/regenerate-reports.sh --check   fail if any is stale: runs tests/it/reports.rs, which
#                                           compares text byte for byte and decodes the charts
#                                           (a plotting-library upgrade that moves a pixel passes)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--check" ]; then
  exec cargo test --release --quiet --test it -- reports::
fi
bin=${CARGO_TARGET_DIR:-target}/release/cachesim
[ -x "$bin" ] || cargo build --release --quiet
for w in workloads/*.toml; do
  name=$(basename "$w" .toml)
  rm -rf "reports/$name"
  "$bin" run "$w" --quiet --out "reports/$name" > /dev/null
  echo "reports/$name"
done
# Reports of commands beyond a workload's plain run: name|command and arguments (tests/it/reports.rs
# lists the same in EXTRAS).
extras=(
  "stampede-protections|run workloads/stampede.toml --vary pattern.stampede=none,lock,coalesce,xfetch,stale-while-revalidate"
  "capacity-plan|plan -t traces/sample.oracleGeneral.bin -p lru,s3fifo,sieve --target-hit-ratio 50% --memory-cost-per-gib-month 20000 --backend-cost-per-million-reads 0.05"
  "trace-analysis|analyze traces/sample.oracleGeneral.bin"
)
for e in "${extras[@]}"; do
  name=${e%%|*}
  read -r -a args <<< "${e#*|}"
  rm -rf "reports/$name"
  "$bin" "${args[@]}" --quiet --out "reports/$name" > /dev/null
  echo "reports/$name"
done
