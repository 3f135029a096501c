-- Incidents created per calendar month (UTC) and severity inside [$period_start, $period_end), with 0
-- where none. Canceled incidents are left out; no-severity incidents are 'unknown' (no floor only).
SELECT strftime(c.bucket_start, '%Y-%m') AS month, c.severity, c.incidents
FROM incident_counts_zero_filled('month', INTERVAL 1 MONTH, $period_start, $period_end, $max_severity_rank, $service,
                                 $team) AS c
ORDER BY c.bucket_start, c.severity_rank
