-- Alert noise per service (and for all services, the first row) for incidents created in
-- [$period_start, $period_end) in scope (docs/metrics.md §1.4):
--   noise      = resolved within 5 minutes of creation (auto or manual) or resolved without any
--                acknowledgement, out of resolved incidents;
--   actionable = high urgency (PagerDuty urgency high, ServiceNow 1 - High; without an urgency,
--                SEV1..SEV3), not auto-resolved within 5 minutes, acknowledged within 4 h and
--                resolved within 24 h, out of all incidents;
--   alerts     = Σ alert_count (alerts grouped into the incidents).
-- Services are ranked by the number of noise incidents, not by the ratio.
WITH scoped AS (
    SELECT coalesce(i.service, '(no service)') AS service,
           incident_minutes_to_resolve(i) AS ttr,
           incident_minutes_to_ack(i) AS tta,
           CASE WHEN i.urgency IS NOT NULL
                THEN regexp_matches(lower(trim(i.urgency)), '^(high|1|1\s*-.*)$')
                ELSE i.severity_rank <= 3 END AS high_urgency,
           coalesce(i.auto_resolved, FALSE) AS auto_resolved,
           i.alert_count
    FROM incidents_in_scope($period_start, $period_end, $max_severity_rank, $service, $team) AS i
),
flagged AS (
    SELECT service, alert_count,
           ttr IS NOT NULL AS resolved,
           ttr IS NOT NULL AND (ttr <= 5 OR tta IS NULL) AS noise,
           coalesce(high_urgency, FALSE) AND tta IS NOT NULL AND ttr IS NOT NULL
               AND NOT (auto_resolved AND ttr <= 5) AND tta <= 240 AND ttr <= 1440 AS actionable
    FROM scoped
)
SELECT CASE WHEN grouping(service) = 1 THEN '(all services)' ELSE service END AS service,
       count(*)::BIGINT AS incidents,
       count(*) FILTER (WHERE resolved)::BIGINT AS resolved,
       count(*) FILTER (WHERE noise)::BIGINT AS noise,
       count(*) FILTER (WHERE actionable)::BIGINT AS actionable,
       count(*) FILTER (WHERE noise)::DOUBLE / nullif(count(*) FILTER (WHERE resolved), 0) AS noise_ratio,
       count(*) FILTER (WHERE actionable)::DOUBLE / count(*) AS actionable_share,
       coalesce(sum(alert_count), 0)::BIGINT AS alerts,
       sum(alert_count)::DOUBLE / count(*) AS alerts_per_incident
FROM flagged
GROUP BY GROUPING SETS ((service), ())
ORDER BY grouping(service) DESC, noise DESC, incidents DESC, service
