-- One row per incident created inside [$period_start, $period_end) with its time to acknowledge
-- and time to resolve in minutes (vendor-computed seconds when the source gives them, else the
-- timestamps). Still-open incidents have NULL minutes_to_resolve (right-censored).
SELECT incident_id,
       service,
       team,
       severity,
       severity_rank,
       created_at,
       coalesce(seconds_to_first_ack, epoch(acknowledged_at - created_at)) / 60.0 AS minutes_to_ack,
       coalesce(seconds_to_resolve, epoch(resolved_at - created_at)) / 60.0 AS minutes_to_resolve,
       ack_is_proxy,
       resolved_at IS NULL AS still_open
FROM incidents
WHERE created_at >= $period_start AND created_at < $period_end
  AND severity_rank <= $max_severity_rank
  AND ($service IS NULL OR service = $service)
  AND ($team IS NULL OR team = $team)
ORDER BY created_at, incident_id
