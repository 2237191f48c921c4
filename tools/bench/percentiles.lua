-- wrk script: prints p50 / p95 / p99 latency and throughput on one line, with the count of
-- non-2xx/3xx answers (a benchmark of error pages would be a benchmark of nothing).
done = function(summary, latency, requests)
  io.write(string.format("p50 %.2f ms  p95 %.2f ms  p99 %.2f ms  %.0f requests/s  %d requests  %d non-2xx\n",
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.requests / (summary.duration / 1e6), summary.requests, summary.errors.status))
end
