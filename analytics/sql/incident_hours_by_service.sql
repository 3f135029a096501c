-- Incident load per service for incidents created in [$period_start, $period_end) (canceled ones left
-- out), the input of the cost of incident hours in the quarterly review:
--   incidents        all incidents created in the period
--   major_incidents  SEV1–SEV2 (the semantic layer's incident_is_major)
--   resolved         incidents with a resolve time (vendor seconds, else resolved_at − created_at)
--   unresolved       incidents without one (still open, or closed without a time): they add no hours,
--                    their end being unknown, and are counted
--   incident_hours   Σ hours from created to resolved over resolved incidents
--   responder_hours  Σ responders × those hours, counting at least one responder per incident (an
--                    incident without a recorded responder was still handled by someone)
-- Zero and negative durations (back-filled status-page history) add no hours.
WITH scoped AS (
    SELECT coalesce(i.service, '(no service)') AS service,
           incident_is_major(i) AS major,
           incident_seconds_to_resolve(i) / 3600.0 AS hours,
           greatest(1, coalesce(len(i.responders), 0)) AS responders
    FROM incident_facts() AS i
    WHERE i.created_at >= $period_start AND i.created_at < $period_end
)
SELECT service,
       count(*)::BIGINT AS incidents,
       count(*) FILTER (WHERE major)::BIGINT AS major_incidents,
       count(hours)::BIGINT AS resolved,
       count(*) FILTER (WHERE hours IS NULL)::BIGINT AS unresolved,
       coalesce(sum(greatest(hours, 0)), 0)::DOUBLE AS incident_hours,
       coalesce(sum(greatest(hours, 0) * responders), 0)::DOUBLE AS responder_hours
FROM scoped
GROUP BY service
ORDER BY service
