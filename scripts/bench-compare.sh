#!/usr/bin/env bash
# Side-by-side replay throughput: cachesim vs libCacheSim (PyPI package, C core) on the same
# oracleGeneral trace in the same run. Needs ../shared/anchor and a venv with libcachesim:
#   python3 -m venv lcs-venv && lcs-venv/bin/pip install libcachesim==0.3.5 numpy
#   python3 ../shared/anchor/gen_zipf_oracle.py 10000000 1.0 1000000 bench-data/zipf10m.bin
#   scripts/bench-compare.sh bench-data/zipf10m.bin 100000 lru:LRU,fifo:FIFO,clock:Clock,sieve:Sieve
# Prints one line per policy: cachesim and libCacheSim miss ratios and M requests/s, and the ratio.
set -euo pipefail
trace=$1; size=$2; pairs=$3
venv=${LCS_VENV:-lcs-venv}
root=$(dirname "$0")/..
anchor=${CACHESIM_SHARED:-$root/../shared}/anchor
bin=${CARGO_TARGET_DIR:-$root/target}/release/cachesim
[ -x "$bin" ] || cargo build --release --quiet --manifest-path "$root/Cargo.toml"
n=$(( $(stat -c %s "$trace") / 24 ))
printf "%-8s %12s %10s %12s %10s %7s\n" policy cs_miss cs_Mreq/s lcs_miss lcs_Mreq/s speedup
for pair in ${pairs//,/ }; do
  ours=${pair%%:*}; theirs=${pair##*:}
  start=$(date +%s.%N)
  out=$("$bin" run -t "$trace" --ignore-obj-size -s "$size" -p "$ours" -j 1 -q -f csv)
  col=$(echo "$out" | head -1 | tr , '\n' | grep -nx miss_ratio | cut -d: -f1)
  cs=$(echo "$out" | tail -1 | cut -d, -f"$col")
  end=$(date +%s.%N)
  cs_rate=$(echo "$n / ($end - $start) / 1000000" | bc -l)
  lcs_line=$("$venv/bin/python" "$anchor/libcachesim_throughput.py" "$trace" "$size" "$theirs" | tail -1)
  lcs_miss=$(echo "$lcs_line" | sed -E 's/.*miss_ratio=([0-9.]+).*/\1/')
  lcs_rate=$(echo "$lcs_line" | sed -E 's/.*\t([0-9.]+) Mreq\/s.*/\1/')
  printf "%-8s %12.6f %10.2f %12s %10s %7.2fx\n" "$ours" "$cs" "$cs_rate" "$lcs_miss" "$lcs_rate" "$(echo "$cs_rate / $lcs_rate" | bc -l)"
done
