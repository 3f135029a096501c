-- One row per incident created inside [$period_start, $period_end) in scope, with minutes to
-- acknowledge and to resolve (vendor-computed seconds when the source gives them, else the
-- timestamps) and the flags the duration metrics need: still open (right-censored), closed without
-- a resolve time, back-filled status-page history (Statuspage records whose resolved_at equals
-- created_at: a zero duration that was never measured), acknowledgement proxy.
-- Team falls back to the service catalogue's owner; tier comes from the catalogue.
SELECT i.incident_id,
       coalesce(i.service, '(no service)') AS service,
       coalesce(i.team, s.team, '(no team)') AS team,
       coalesce(s.tier, '(no tier)') AS tier,
       coalesce(i.severity, 'unknown') AS severity,
       coalesce(i.severity_rank, 6) AS severity_rank,
       i.created_at,
       i.urgency,
       i.auto_resolved,
       coalesce(i.seconds_to_first_ack, epoch(i.acknowledged_at - i.created_at)) / 60.0 AS minutes_to_ack,
       coalesce(i.seconds_to_resolve, epoch(i.resolved_at - i.created_at)) / 60.0 AS minutes_to_resolve,
       i.ack_is_proxy AND i.acknowledged_at IS NOT NULL AS ack_is_proxy,
       (i.resolved_at IS NULL AND i.seconds_to_resolve IS NULL
        AND coalesce(i.status, 'open') NOT IN ('resolved', 'closed')) AS still_open,
       (i.resolved_at IS NULL AND i.seconds_to_resolve IS NULL
        AND i.status IN ('resolved', 'closed')) AS no_resolve_time,
       (i.source = 'statuspage' AND i.seconds_to_resolve IS NULL AND i.resolved_at = i.created_at) AS backfilled
FROM incidents AS i
LEFT JOIN services AS s ON s.service = i.service
WHERE i.created_at >= $period_start AND i.created_at < $period_end
  AND i.status IS DISTINCT FROM 'canceled'
  AND (i.severity_rank <= $max_severity_rank OR (i.severity_rank IS NULL AND $max_severity_rank >= 5))
  AND ($service IS NULL OR i.service = $service)
  AND ($team IS NULL OR coalesce(i.team, s.team) = $team)
ORDER BY i.created_at, i.incident_id
