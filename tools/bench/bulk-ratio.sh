#!/usr/bin/env bash
# Bulk load against the engine's raw insert rate, in one run (issue 6): simulates N dossiers into
# a fresh database, then copies the same rows into a second fresh database of the same engine
# with no domain logic (crates/motcua/examples/raw_insert.rs), and prints both rates and the ratio.
#   tools/bench/bulk-ratio.sh sqlite 200000
#   tools/bench/bulk-ratio.sh postgres 200000     # uses databases bulk_ratio_a and bulk_ratio_b
# KEEP=DIR keeps the simulated SQLite database as DIR/a.db (for the query benchmarks); the raw
# copy is always removed. PostgreSQL's bulk_ratio_a is kept; bulk_ratio_b is dropped at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
engine=${1:-sqlite}
dossiers=${2:-200000}
cargo build --quiet --release -p motcua --bin motcua --example raw_insert
if [ "$engine" = sqlite ]; then
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    a="sqlite:${KEEP:-$work}/a.db"
    b="sqlite:$work/b.db"
    if [ -n "${KEEP:-}" ]; then rm -f "$KEEP"/a.db "$KEEP"/a.db-wal "$KEEP"/a.db-shm; fi
else
    for database in bulk_ratio_a bulk_ratio_b; do
        psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $database" -c "CREATE DATABASE $database" 2>/dev/null
    done
    a="postgres://postgres@127.0.0.1:5432/bulk_ratio_a"
    b="postgres://postgres@127.0.0.1:5432/bulk_ratio_b"
fi
simulated=$(target/release/motcua simulate --dossiers "$dossiers" --from 2026-01-01 --to 2026-06-30 --seed 1 --database "$a" 2>&1 | tr '\r' '\n' | grep 'dossiers/s' | tail -1)
echo "$simulated"
raw=$(target/release/examples/raw_insert "$a" "$b")
echo "$raw"
if [ "$engine" != sqlite ]; then
    psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS bulk_ratio_b" 2>/dev/null
fi
ours=$(echo "$simulated" | sed -n 's/.*(\([0-9]*\) dossiers\/s).*/\1/p')
theirs=$(echo "$raw" | sed -n 's/.*= \([0-9]*\) dossiers\/s/\1/p')
python3 -c "print(f'ratio: {int($ours)} / {int($theirs)} = {int($ours) / int($theirs):.0%} of the raw insert rate')"
