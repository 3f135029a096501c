-- Repeat, reopen and problem-linked incidents per service for incidents created in
-- [$period_start, $period_end) in scope, plus an all-services row (docs/metrics.md §1.3).
-- An incident is a repeat when an earlier, not canceled incident of the same service has the same
-- key within $window_days days before it. The key, in order of preference: the problem record,
-- the de-duplication key (fingerprint), the normalised title (lower case; hex runs, ids and
-- numbers replaced by #). Earlier incidents count whatever their severity, team or period.
WITH keyed AS (
    SELECT i.incident_id,
           i.service,
           i.created_at,
           incident_repeat_key(i) AS repeat_key
    FROM incident_facts() AS i
    WHERE i.created_at >= $period_start::TIMESTAMPTZ - to_days($window_days::INTEGER)
      AND i.created_at < $period_end
),
scoped AS (
    SELECT i.incident_id, i.service, i.created_at, coalesce(i.reopen_count, 0) > 0 AS reopened,
           i.problem_id IS NOT NULL AS has_problem, k.repeat_key
    FROM incidents_in_scope($period_start, $period_end, $max_severity_rank, $service, $team) AS i
    JOIN keyed AS k ON k.incident_id = i.incident_id
),
flagged AS (
    SELECT c.*,
           c.repeat_key IS NOT NULL AND p.previous_at >= c.created_at - to_days($window_days::INTEGER) AS is_repeat
    FROM scoped AS c
    JOIN (
        -- the latest strictly earlier incident with the same service and key (ties are not earlier)
        SELECT incident_id,
               max(created_at) OVER (PARTITION BY service, repeat_key ORDER BY created_at
                                     RANGE BETWEEN UNBOUNDED PRECEDING AND INTERVAL 1 MICROSECOND PRECEDING)
                   AS previous_at
        FROM keyed
    ) AS p ON p.incident_id = c.incident_id
)
SELECT CASE WHEN grouping(service) = 1 THEN '(all services)' ELSE coalesce(service, '(no service)') END AS service,
       count(*)::BIGINT AS incidents,
       count(*) FILTER (WHERE is_repeat)::BIGINT AS repeats,
       count(*) FILTER (WHERE reopened)::BIGINT AS reopened,
       count(*) FILTER (WHERE has_problem)::BIGINT AS problem_linked,
       count(*) FILTER (WHERE is_repeat)::DOUBLE / count(*) AS repeat_rate,
       count(*) FILTER (WHERE reopened)::DOUBLE / count(*) AS reopen_rate,
       count(*) FILTER (WHERE has_problem)::DOUBLE / count(*) AS problem_linked_share
FROM flagged
GROUP BY GROUPING SETS ((service), ())
ORDER BY grouping(service) DESC, repeats DESC, incidents DESC, service
