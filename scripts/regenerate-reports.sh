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
# Reports of a command beyond the plain run: name|arguments.
extras=(
  "stampede-protections|workloads/stampede.toml --vary pattern.stampede=none,lock,coalesce,xfetch,stale-while-revalidate"
)
for e in "${extras[@]}"; do
  name=${e%%|*}
  read -r -a args <<< "${e#*|}"
  if [ $check = 1 ]; then
    tmp=$(mktemp -d)
    "$bin" run "${args[@]}" --quiet --out "$tmp/$name" > /dev/null
    if ! diff -r "$tmp/$name" "reports/$name" > /dev/null; then
      echo "reports/$name is stale: run scripts/regenerate-reports.sh" >&2
      status=1
    fi
    rm -rf "$tmp"
  else
    rm -rf "reports/$name"
    "$bin" run "${args[@]}" --quiet --out "reports/$name" > /dev/null
    echo "reports/$name"
  fi
done
exit $status
