#!/usr/bin/env bash
# Issue 7, for BENCHMARKS.md: the HTTP load of BENCHMARKS.md "Intake and transitions" run twice on
# SQLite in one go, side by side: without signing keys (no forms) and with them (each acceptance
# renders and signs the receipt, 1 of the 6 transitions of a dossier). Same data, same load.
# Usage: tools/bench/forms-load.sh [CLIENTS] [DOSSIERS_PER_CLIENT]   (after
# `cargo build --profile bench -p motcua --bins --examples`; binaries in target/release)
set -euo pipefail
cd "$(dirname "$0")/../.."
clients=${1:-8}
per_client=${2:-300}
M=target/release/motcua
work=$(mktemp -d)
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT
$M pki init --out "$work/keys" >/dev/null
printf '[documents]\nkeys_dir = "%s"\n' "$work/keys" >"$work/forms.toml"
: >"$work/plain.toml"
port=18090
for mode in plain forms; do
    db="sqlite:$work/$mode.db"
    $M import-catalog data/catalog/hcmc-units-2024.toml data/catalog/hcmc-units-2025.toml data/catalog/hcmc-procedures.toml --database "$db" >/dev/null
    $M user add bench --name "Tải thử" --database "$db" >/dev/null
    for role in desk_officer processing_officer unit_head; do $M user grant bench $role 26740 --database "$db" >/dev/null; done
    token=$($M user token bench --name load --roles desk_officer,processing_officer,unit_head --database "$db" | tail -1)
    port=$((port + 1))
    # PERF_OUT=DIR records a flat CPU profile of each server (perf record) into DIR/MODE.perf.
    ${PERF_OUT:+perf record -F 499 -o "$PERF_OUT/$mode.perf" --} $M serve --config "$work/$mode.toml" --database "$db" \
        --listen "127.0.0.1:$port" >"$work/$mode.log" 2>&1 &
    server=$!
    for _ in $(seq 1 100); do curl -fsS -o /dev/null "http://127.0.0.1:$port/api/v1/openapi.json" 2>/dev/null && break; sleep 0.2; done
    echo "== $mode ($clients clients, $per_client dossiers each)"
    MOTCUA_TOKEN=$token target/release/examples/load "http://127.0.0.1:$port" "$clients" "$per_client"
    kill "$server"; wait "$server" 2>/dev/null || true; server=
    if [ "$mode" = forms ]; then
        echo "issued forms: $(sqlite3 "$work/forms.db" 'SELECT count(*), sum(size) / count(*) FROM issued_documents')  (count, mean bytes)"
    fi
    $M check --database "$db" >/dev/null && echo "check: consistent"
done
