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
           CASE WHEN i.problem_id IS NOT NULL THEN 'problem:' || i.problem_id
                WHEN i.fingerprint IS NOT NULL THEN 'key:' || i.fingerprint
                WHEN i.title IS NOT NULL THEN 'title:' || trim(regexp_replace(regexp_replace(regexp_replace(
                         lower(i.title), '[0-9a-f]{8,}', '#', 'g'), '\b[a-z_]*[0-9][a-z0-9_]*\b', '#', 'g'),
                         '\s+', ' ', 'g'))
           END AS repeat_key
    FROM incidents AS i
    WHERE i.created_at >= $period_start::TIMESTAMPTZ - to_days($window_days::INTEGER)
      AND i.created_at < $period_end
      AND i.status IS DISTINCT FROM 'canceled'
),
scoped AS (
    SELECT i.incident_id, i.service, i.created_at, coalesce(i.reopen_count, 0) > 0 AS reopened,
           i.problem_id IS NOT NULL AS has_problem, k.repeat_key
    FROM incidents AS i
    JOIN keyed AS k ON k.incident_id = i.incident_id
    LEFT JOIN services AS s ON s.service = i.service
    WHERE i.created_at >= $period_start AND i.created_at < $period_end
      AND (i.severity_rank <= $max_severity_rank OR (i.severity_rank IS NULL AND $max_severity_rank >= 5))
      AND ($service IS NULL OR i.service = $service)
      AND ($team IS NULL OR coalesce(i.team, s.team) = $team)
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
