-- Incidents per severity in the period [$period_start, $period_end) and in the period before it
-- [$previous_start, $period_start), with the same scope (quarter-on-quarter volume change).
WITH scoped AS (
    SELECT coalesce(i.severity, 'unknown') AS severity, i.created_at >= $period_start AS in_period
    FROM incidents_in_scope($previous_start, $period_end, $max_severity_rank, $service, $team) AS i
),
severities AS (
    SELECT 'SEV' || r AS severity, r AS severity_rank FROM range(1, $max_severity_rank + 1) AS t(r)
    UNION ALL
    SELECT 'unknown', 6 WHERE EXISTS (SELECT 1 FROM scoped WHERE severity = 'unknown')
)
SELECT v.severity,
       count(c.severity) FILTER (WHERE c.in_period)::BIGINT AS incidents,
       count(c.severity) FILTER (WHERE NOT c.in_period)::BIGINT AS previous
FROM severities AS v
LEFT JOIN scoped AS c ON c.severity = v.severity
GROUP BY v.severity, v.severity_rank
ORDER BY v.severity_rank
