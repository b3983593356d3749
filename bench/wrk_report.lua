-- wrk script for bench/side_by_side.sh's GET phases: one line with requests/s, p50, p90,
-- p95, p99 (ms) and the errors (non-2xx/3xx answers and socket errors).
function done(summary, latency, requests)
  io.write(string.format("req/s %.1f  p50 %.1f  p90 %.1f  p95 %.1f  p99 %.1f ms  errors %d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(90) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout))
end
