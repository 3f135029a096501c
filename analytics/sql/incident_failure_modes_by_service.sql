-- Recurring failure modes: incidents created in [$period_start, $period_end) in scope, grouped by
-- service and failure mode (failure_mode, else category, else the normalised title), with at least
-- two incidents, ranked by their cost in incident-hours (Σ resolve time of resolved incidents;
-- still-open incidents and zero durations add no hours; unresolved ones are counted). At most $limit rows.
WITH scoped AS (
    SELECT coalesce(i.service, '(no service)') AS service,
           coalesce(i.failure_mode, i.category,
                    incident_normalised_title(i.title),
                    '(unknown)') AS failure_mode,
           CASE WHEN incident_seconds_to_resolve(i) > 0 THEN incident_seconds_to_resolve(i) / 3600.0 END AS hours,
           incident_seconds_to_resolve(i) IS NULL AS unresolved,
           i.severity_rank
    FROM incidents_in_scope($period_start, $period_end, $max_severity_rank, $service, $team) AS i
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
