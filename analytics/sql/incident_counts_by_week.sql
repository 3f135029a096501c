-- Incidents created per ISO week (Monday start, UTC) and severity inside [$period_start, $period_end).
-- Every week that touches the period and every severity in scope appear, with 0 where none; weeks
-- cut by the period boundary are flagged partial. Canceled incidents are left out; incidents with
-- no severity appear as 'unknown' when no severity floor is set.
SELECT c.bucket_start::DATE AS week_start,
       c.severity,
       c.incidents,
       (c.bucket_start < $period_start OR c.bucket_start + INTERVAL 7 DAY > $period_end) AS partial_week
FROM incident_counts_zero_filled('week', INTERVAL 7 DAY, $period_start, $period_end, $max_severity_rank, $service,
                                 $team) AS c
ORDER BY c.bucket_start, c.severity_rank
