-- Degraded dependencies: each of our incidents in scope created in [$period_start, $period_end) (UTC,
-- half-open; incidents_in_scope: live, severity floor, service, owner team) whose open interval
-- [created_at, coalesce(resolved_at, closed_at, $period_end)] overlaps a provider incident's
-- [begin_at, coalesce(end_at, $period_end)] (ongoing provider incidents count up to the period end),
-- one row per (our incident, provider incident). Informational provider notices (impact
-- 'information') are left out unless $include_information; $provider limits to one provider.
-- overlap_minutes = minutes both were open. The match is by time only: which of our services use which
-- provider product is not recorded.
WITH ours AS (
    SELECT i.incident_id, i.number, i.title, i.service, i.severity, i.severity_rank, i.created_at, i.resolved_at,
           coalesce(i.resolved_at, i.closed_at, $period_end::TIMESTAMPTZ) AS open_until
    FROM incidents_in_scope($period_start, $period_end, $max_severity_rank, $service, $team) AS i
),
theirs AS (
    SELECT *, coalesce(end_at, $period_end::TIMESTAMPTZ) AS open_until
    FROM provider_incidents
    WHERE ($provider IS NULL OR provider = $provider)
      AND (impact <> 'information' OR $include_information)
)
SELECT o.incident_id, o.number, o.title, o.service, o.severity, o.created_at, o.resolved_at,
       t.provider, t.product, t.provider_incident_id, t.title AS provider_title, t.impact, t.severity AS provider_severity,
       t.begin_at AS provider_begin_at, t.end_at AS provider_end_at,
       epoch(least(o.open_until, t.open_until) - greatest(o.created_at, t.begin_at)) / 60.0 AS overlap_minutes
FROM ours AS o
JOIN theirs AS t ON t.begin_at <= o.open_until AND t.open_until >= o.created_at
ORDER BY o.created_at, o.incident_id, t.begin_at, t.provider_incident_id
