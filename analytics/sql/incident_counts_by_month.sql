-- Incidents created per calendar month (UTC) and severity inside [$period_start, $period_end), with 0
-- where none. Canceled incidents are left out; no-severity incidents are 'unknown' (no floor only).
WITH months AS (
    SELECT unnest(generate_series(date_trunc('month', $period_start::TIMESTAMPTZ),
                                  $period_end::TIMESTAMPTZ - INTERVAL 1 SECOND,
                                  INTERVAL 1 MONTH)) AS month_start
),
scoped AS (
    SELECT date_trunc('month', i.created_at) AS month_start, coalesce(i.severity, 'unknown') AS severity
    FROM incidents_in_scope($period_start, $period_end, $max_severity_rank, $service, $team) AS i
),
severities AS (
    SELECT 'SEV' || r AS severity, r AS severity_rank FROM range(1, $max_severity_rank + 1) AS t(r)
    UNION ALL
    SELECT 'unknown', 6 WHERE EXISTS (SELECT 1 FROM scoped WHERE severity = 'unknown')
),
counted AS (
    SELECT month_start, severity, count(*) AS incidents FROM scoped GROUP BY ALL
)
SELECT strftime(m.month_start, '%Y-%m') AS month,
       s.severity,
       coalesce(c.incidents, 0)::BIGINT AS incidents
FROM months AS m
CROSS JOIN severities AS s
LEFT JOIN counted AS c ON c.month_start = m.month_start AND c.severity = s.severity
ORDER BY m.month_start, s.severity_rank
