#!/usr/bin/env bash
# Regenerates reports/<workload>/ for every shipped workload with the current code:
#   scripts/regenerate-reports.sh           rewrite the reports
#   scripts/regenerate-reports.sh --check   regenerate into a temporary folder and fail if anything differs
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${CARGO_TARGET_DIR:-target}/release/cachesim
[ -x "$bin" ] || cargo build --release --quiet
check=0
[ "${1:-}" = "--check" ] && check=1
status=0
for w in workloads/*.toml; do
  name=$(basename "$w" .toml)
  if [ $check = 1 ]; then
    tmp=$(mktemp -d)
    "$bin" run "$w" --quiet --out "$tmp/$name" > /dev/null
    if ! diff -r "$tmp/$name" "reports/$name" > /dev/null; then
      echo "reports/$name is stale: run scripts/regenerate-reports.sh" >&2
      status=1
    fi
    rm -rf "$tmp"
  else
    rm -rf "reports/$name"
    "$bin" run "$w" --quiet --out "reports/$name" > /dev/null
    echo "reports/$name"
  fi
done
# Reports of commands beyond a workload's plain run: name|command and arguments.
extras=(
  "stampede-protections|run workloads/stampede.toml --vary pattern.stampede=none,lock,coalesce,xfetch,stale-while-revalidate"
  "capacity-plan|plan -t traces/sample.oracleGeneral.bin -p lru,s3fifo,sieve --target-hit-ratio 50% --memory-cost-per-gib-month 20000 --backend-cost-per-million-reads 0.05"
  "trace-analysis|analyze traces/sample.oracleGeneral.bin"
)
for e in "${extras[@]}"; do
  name=${e%%|*}
  read -r -a args <<< "${e#*|}"
  if [ $check = 1 ]; then
    tmp=$(mktemp -d)
    "$bin" "${args[@]}" --quiet --out "$tmp/$name" > /dev/null
    if ! diff -r "$tmp/$name" "reports/$name" > /dev/null; then
      echo "reports/$name is stale: run scripts/regenerate-reports.sh" >&2
      status=1
    fi
    rm -rf "$tmp"
  else
    rm -rf "reports/$name"
    "$bin" "${args[@]}" --quiet --out "reports/$name" > /dev/null
    echo "reports/$name"
  fi
done
exit $status
