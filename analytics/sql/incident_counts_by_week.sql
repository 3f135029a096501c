-- Incidents created per ISO week (Monday start) and severity inside [$period_start, $period_end).
-- Every week that touches the period and every severity in scope appear, with 0 where none;
-- weeks cut by the period boundary are flagged partial.
WITH weeks AS (
    SELECT unnest(generate_series(date_trunc('week', $period_start::TIMESTAMPTZ),
                                  $period_end::TIMESTAMPTZ - INTERVAL 1 SECOND,
                                  INTERVAL 7 DAY)) AS week_start
),
severities AS (
    SELECT 'SEV' || r AS severity, r AS severity_rank FROM range(1, $max_severity_rank + 1) t(r)
),
counted AS (
    SELECT date_trunc('week', created_at) AS week_start, severity, count(*) AS incidents
    FROM incidents
    WHERE created_at >= $period_start AND created_at < $period_end
      AND severity_rank <= $max_severity_rank
      AND ($service IS NULL OR service = $service)
      AND ($team IS NULL OR team = $team)
    GROUP BY ALL
)
SELECT w.week_start::DATE AS week_start,
       s.severity,
       coalesce(c.incidents, 0)::BIGINT AS incidents,
       (w.week_start < $period_start OR w.week_start + INTERVAL 7 DAY > $period_end) AS partial_week
FROM weeks w
CROSS JOIN severities s
LEFT JOIN counted c ON c.week_start = w.week_start AND c.severity = s.severity
ORDER BY w.week_start, s.severity_rank
