-- Recurring failure modes: incidents created in [$period_start, $period_end) in scope, grouped by
-- service and failure mode (failure_mode, else category, else the normalised title), with at least
-- two incidents, ranked by their cost in incident-hours (Σ resolve time of resolved incidents;
-- still-open incidents and zero durations add no hours; unresolved ones are counted). At most $limit rows.
WITH scoped AS (
    SELECT coalesce(i.service, '(no service)') AS service,
           coalesce(i.failure_mode, i.category,
                    trim(regexp_replace(regexp_replace(regexp_replace(lower(i.title), '[0-9a-f]{8,}', '#', 'g'),
                                                       '\b[a-z_]*[0-9][a-z0-9_]*\b', '#', 'g'), '\s+', ' ', 'g')),
                    '(unknown)') AS failure_mode,
           CASE WHEN coalesce(i.seconds_to_resolve, epoch(i.resolved_at - i.created_at)) > 0
                THEN coalesce(i.seconds_to_resolve, epoch(i.resolved_at - i.created_at)) / 3600.0 END AS hours,
           i.resolved_at IS NULL AND i.seconds_to_resolve IS NULL AS unresolved,
           i.severity_rank
    FROM incidents AS i
    LEFT JOIN services AS s ON s.service = i.service
    WHERE i.created_at >= $period_start AND i.created_at < $period_end
      AND i.status IS DISTINCT FROM 'canceled'
      AND (i.severity_rank <= $max_severity_rank OR (i.severity_rank IS NULL AND $max_severity_rank >= 5))
      AND ($service IS NULL OR i.service = $service)
      AND ($team IS NULL OR coalesce(i.team, s.team) = $team)
)
SELECT service,
       failure_mode,
       count(*)::BIGINT AS incidents,
       count(hours)::BIGINT AS resolved,
       count(*) FILTER (WHERE unresolved)::BIGINT AS unresolved,
       coalesce(sum(hours), 0)::DOUBLE AS incident_hours,
       median(hours) AS median_hours,
       min(severity_rank) AS worst_severity_rank
FROM scoped
GROUP BY service, failure_mode
HAVING count(*) >= 2
ORDER BY incident_hours DESC, incidents DESC, service, failure_mode
LIMIT $limit
