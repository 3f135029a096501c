-- One row per incident created inside [$period_start, $period_end) in scope, with minutes to
-- acknowledge and to resolve (vendor-computed seconds when the source gives them, else the
-- timestamps) and the flags the duration metrics need: still open (right-censored), closed without
-- a resolve time, back-filled status-page history (Statuspage records whose resolved_at equals
-- created_at: a zero duration that was never measured), acknowledgement proxy, and whether the
-- incident is major (SEV1–SEV2) and critical (major, of a service of catalogue tier $critical_tier).
-- Scope, durations and flags are the semantic layer's (analytics/sql/semantic/incidents.sql).
SELECT i.incident_id,
       coalesce(i.service, '(no service)') AS service,
       coalesce(i.owner_team, '(no team)') AS team,
       coalesce(i.service_tier, '(no tier)') AS tier,
       coalesce(i.severity, 'unknown') AS severity,
       coalesce(i.severity_rank, 6) AS severity_rank,
       i.created_at,
       i.urgency,
       i.auto_resolved,
       incident_minutes_to_ack(i) AS minutes_to_ack,
       incident_minutes_to_resolve(i) AS minutes_to_resolve,
       i.ack_is_proxy AND i.acknowledged_at IS NOT NULL AS ack_is_proxy,
       incident_still_open(i) AS still_open,
       incident_no_resolve_time(i) AS no_resolve_time,
       incident_backfilled(i) AS backfilled,
       incident_is_major(i) AS major,
       incident_is_critical(i, $critical_tier) AS critical
FROM incidents_in_scope($period_start, $period_end, $max_severity_rank, $service, $team) AS i
ORDER BY i.created_at, i.incident_id
