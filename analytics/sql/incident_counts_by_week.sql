-- Incidents created per ISO week (Monday start, UTC) and severity inside [$period_start, $period_end).
-- Every week that touches the period and every severity in scope appear, with 0 where none; weeks
-- cut by the period boundary are flagged partial. Canceled incidents are left out; incidents with
-- no severity appear as 'unknown' when no severity floor is set.
WITH weeks AS (
    SELECT unnest(generate_series(date_trunc('week', $period_start::TIMESTAMPTZ),
                                  $period_end::TIMESTAMPTZ - INTERVAL 1 SECOND,
                                  INTERVAL 7 DAY)) AS week_start
),
scoped AS (
    SELECT date_trunc('week', i.created_at) AS week_start, coalesce(i.severity, 'unknown') AS severity
    FROM incidents_in_scope($period_start, $period_end, $max_severity_rank, $service, $team) AS i
),
severities AS (
    SELECT 'SEV' || r AS severity, r AS severity_rank FROM range(1, $max_severity_rank + 1) AS t(r)
    UNION ALL
    SELECT 'unknown', 6 WHERE EXISTS (SELECT 1 FROM scoped WHERE severity = 'unknown')
),
counted AS (
    SELECT week_start, severity, count(*) AS incidents FROM scoped GROUP BY ALL
)
SELECT w.week_start::DATE AS week_start,
       s.severity,
       coalesce(c.incidents, 0)::BIGINT AS incidents,
       (w.week_start < $period_start OR w.week_start + INTERVAL 7 DAY > $period_end) AS partial_week
FROM weeks AS w
CROSS JOIN severities AS s
LEFT JOIN counted AS c ON c.week_start = w.week_start AND c.severity = s.severity
ORDER BY w.week_start, s.severity_rank
