#!/usr/bin/env bash
# Public page timings for BENCHMARKS.md: serves DATABASE with the release binary and runs wrk on
# every public page (4 connections, 2 threads, DURATION seconds each), printing p50/p95/p99.
# Usage: tools/bench/pages.sh sqlite:/tmp/mil.db [PORT] [DURATION]
set -euo pipefail
cd "$(dirname "$0")/../.."
database=$1
port=${2:-18095}
duration=${3:-15}
motcua=target/release/motcua
"$motcua" user add pages.bench --name "Đo tải" --database "$database" >/dev/null 2>&1 || true
"$motcua" user grant pages.bench desk_officer 79 --database "$database" >/dev/null
token=$("$motcua" user token pages.bench --name pages --roles desk_officer --database "$database" | tail -1)
"$motcua" serve --database "$database" --listen "127.0.0.1:$port" --lookups-per-minute 100000000 >/tmp/pages-serve.log 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -fsS -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null && break; sleep 0.2; done
receipt=$(curl -fsS -H "authorization: Bearer $token" -H 'content-type: application/json' \
    -d '{"unit":"26740","procedure":"1.004873","channel":"counter","applicant":{"name":"Đo Tải"}}' \
    "http://127.0.0.1:$port/api/v1/dossiers")
code=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["code"])' <<<"$receipt")
secret=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["receipt_secret"])' <<<"$receipt")
base="http://127.0.0.1:$port"
for page in "/" "/thu-tuc" "/thu-tuc?q=giay+phep+xay+dung" "/thu-tuc/1.004873" "/tra-cuu?ma=$code&bi-mat=$secret" \
    "/thong-ke" "/thong-ke?tu=2025-07-01&den=2026-06-30" "/thong-ke?tu=2026-03-01&den=2026-03-31" "/du-lieu-mo" \
    "/du-lieu-mo/thong-ke-don-vi.csv" "/en/thong-ke"; do
    printf '%-45s ' "$page"
    wrk -t2 -c4 -d"${duration}s" -s tools/bench/percentiles.lua "$base$page" | tail -1
done
printf 'server resident memory: %s kB\n' "$(awk '/VmRSS/ {print $2}' /proc/$server/status)"
