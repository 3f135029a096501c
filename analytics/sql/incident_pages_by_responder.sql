-- Pages (notify events) sent in [$period_start, $period_end) for incidents in scope, per responder
-- and for everyone (the last row; its responders column counts distinct people), split by the
-- responder's local time in $responder_timezone: outside business hours ($business_start to
-- $business_end minutes after midnight, Monday to Friday) and sleep hours ($sleep_start to
-- $sleep_end minutes, every day; the window wraps midnight).
WITH scoped AS (
    SELECT i.incident_id
    FROM incidents_in_scope_any_date($max_severity_rank, $service, $team) AS i
),
pages AS (
    SELECT e.actor AS responder, timezone($responder_timezone, e.event_at) AS local_time
    FROM incident_events AS e
    SEMI JOIN scoped AS c ON c.incident_id = e.incident_id
    WHERE e.event_type = 'notify' AND e.actor IS NOT NULL
      AND e.event_at >= $period_start AND e.event_at < $period_end
),
classified AS (
    SELECT responder,
           hour(local_time) * 60 + minute(local_time) AS minute_of_day,
           isodow(local_time) >= 6 AS weekend
    FROM pages
)
SELECT CASE WHEN grouping(responder) = 1 THEN '(everyone)' ELSE responder END AS responder,
       count(DISTINCT responder)::BIGINT AS responders,
       count(*)::BIGINT AS pages,
       count(*) FILTER (WHERE weekend OR minute_of_day < $business_start
                              OR minute_of_day >= $business_end)::BIGINT AS outside_business_pages,
       count(*) FILTER (WHERE minute_of_day >= $sleep_start OR minute_of_day < $sleep_end)::BIGINT AS sleep_pages
FROM classified
GROUP BY GROUPING SETS ((responder), ())
ORDER BY grouping(responder), pages DESC, responder
