#!/usr/bin/env bash
# Whole-process replay time and peak memory: cachesim vs libCacheSim's native command-line tool
# (built from source) and, optionally, its PyPI package (C core), on the same oracleGeneral trace,
# run back to back per policy so the ratios are fair on a shared machine.
#
# Build libCacheSim natively (Debian/Ubuntu):
#   apt-get install -y cmake libglib2.0-dev libzstd-dev libgoogle-perftools-dev
#   git clone https://github.com/1a1a11a/libCacheSim && cd libCacheSim
#   mkdir _build && cd _build && cmake -DCMAKE_BUILD_TYPE=Release -DENABLE_TESTS=OFF .. && make -j2 cachesim
#   export LCS_NATIVE_BIN=$PWD/bin/cachesim
# Optional PyPI package (adds a third column; whole process incl. Python start-up and import):
#   python3 -m venv lcs-venv && lcs-venv/bin/pip install libcachesim==0.3.5 numpy
#   export LCS_VENV=$PWD/lcs-venv
# Trace (10M requests, Zipf 1.0 over 1M objects, unit sizes; numpy needed):
#   python3 ../shared/anchor/gen_zipf_oracle.py 10000000 1.0 1000000 bench-data/zipf10m.bin
# Run (SIZE counts objects: every run uses --ignore-obj-size / unit sizes):
#   LCS_NATIVE_BIN=... [LCS_VENV=...] [REPS=2] scripts/bench-native.sh bench-data/zipf10m.bin 100000 [PAIRS]
# PAIRS: comma-separated ours:native:pypi names, default the 11 policies below (libCacheSim's
# defaults equal cachesim's for these, e.g. W-TinyLFU window 1%, S3-FIFO small 10% / ghost 90%).
# Each policy runs REPS times (cachesim, native, PyPI alternating); the best wall time of each is
# kept, with the peak RSS of that run. Needs /usr/bin/time (GNU) and bc.
# CACHESIM_BIN overrides the cachesim binary (default: release build under CARGO_TARGET_DIR or target/).
# Columns: wall seconds, speedup = other's wall / cachesim's wall, peak RSS in MiB, miss ratios
# (the native tool prints 4 decimals).
set -euo pipefail
trace=$1; size=$2
pairs=${3:-lru:lru:LRU,fifo:fifo:FIFO,clock:clock:Clock,sieve:sieve:Sieve,arc:arc:ARC,s3fifo:s3fifo:S3FIFO,tinylfu:wtinyLFU:WTinyLFU,lirs:lirs:LIRS,twoq:twoq:TwoQ,slru:slru:SLRU,lfu:lfu:LFU}
reps=${REPS:-2}
native=${LCS_NATIVE_BIN:?set LCS_NATIVE_BIN to libCacheSim\'s native cachesim binary (see the top of this script)}
venv=${LCS_VENV:-}
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${CACHESIM_BIN:-${CARGO_TARGET_DIR:-$root/target}/release/cachesim}
[ -x "$bin" ] || (cd "$root" && cargo build --release --quiet)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# timed NAME CMD...: runs CMD with stdout to $tmp/NAME.out, "wall_s rss_kb" to $tmp/NAME.time
timed() {
  local name=$1; shift
  /usr/bin/time -f "%e %M" -o "$tmp/$name.time" "$@" > "$tmp/$name.out" 2> "$tmp/$name.err" \
    || { echo "failed: $*" >&2; cat "$tmp/$name.err" >&2; exit 1; }
}
# keep NAME: if this run's wall time beats the best so far, keep its time and output as the best
keep() {
  local name=$1
  if [ ! -f "$tmp/$name.best" ] || [ "$(echo "$(cut -d' ' -f1 "$tmp/$name.time") < $(cut -d' ' -f1 "$tmp/$name.best")" | bc)" = 1 ]; then
    cp "$tmp/$name.time" "$tmp/$name.best"; cp "$tmp/$name.out" "$tmp/$name.bestout"
  fi
}
wall() { cut -d' ' -f1 "$tmp/$1.best"; }
rss() { echo "$(cut -d' ' -f2 "$tmp/$1.best") / 1024" | bc; }

cat > "$tmp/pypi.py" <<'EOF'
import sys
import libcachesim as lcs
trace, size, algo = sys.argv[1], int(sys.argv[2]), sys.argv[3]
reader = lcs.TraceReader(trace, lcs.TraceType.ORACLE_GENERAL_TRACE)
miss_ratio, _ = getattr(lcs, algo)(size).process_trace(reader)
print(f"{miss_ratio:.6f}")
EOF

printf "%-8s %8s %8s %8s %8s %8s %7s %7s %7s %9s %9s %9s\n" policy cs_s nat_s pypi_s x_nat x_pypi \
  cs_MiB nat_MiB py_MiB cs_miss nat_miss py_miss
for pair in ${pairs//,/ }; do
  IFS=: read -r ours theirs py <<< "$pair"
  rm -f "$tmp"/*.best "$tmp"/*.bestout
  for _ in $(seq "$reps"); do
    timed cs "$bin" run -t "$trace" --ignore-obj-size -s "$size" -p "$ours" -j 1 -q -f csv; keep cs
    timed nat "$native" "$trace" oracleGeneral "$theirs" "$size" --ignore-obj-size 1 -o /dev/null; keep nat
    if [ -n "$venv" ] && [ -n "$py" ]; then
      timed py "$venv/bin/python" "$tmp/pypi.py" "$trace" "$size" "$py"; keep py
    fi
  done
  col=$(head -1 "$tmp/cs.bestout" | tr , '\n' | grep -nx miss_ratio | cut -d: -f1)
  cs_miss=$(tail -1 "$tmp/cs.bestout" | cut -d, -f"$col")
  nat_miss=$(sed -nE 's/.*miss ratio ([0-9.]+),.*/\1/p' "$tmp/nat.bestout" | tail -1)
  if [ -f "$tmp/py.best" ]; then
    py_s=$(wall py); py_x=$(printf "%.2fx" "$(echo "$py_s / $(wall cs)" | bc -l)")
    py_mib=$(rss py); py_miss=$(tail -1 "$tmp/py.bestout")
  else
    py_s=-; py_x=-; py_mib=-; py_miss=-
  fi
  printf "%-8s %8.2f %8.2f %8s %8s %8s %7s %7s %7s %9.6f %9s %9s\n" "$ours" "$(wall cs)" "$(wall nat)" "$py_s" \
    "$(printf "%.2fx" "$(echo "$(wall nat) / $(wall cs)" | bc -l)")" "$py_x" \
    "$(rss cs)" "$(rss nat)" "$py_mib" "$cs_miss" "$nat_miss" "$py_miss"
done
