-- On-call load per team (and for all teams, the last row) for incidents created in
-- [$period_start, $period_end) in scope: the vendor's interruption buckets where the source has
-- them (PagerDuty Analytics), the distinct responders, and the incident-level proxy of docs/metrics.md
-- §1.5 — incidents created outside business hours ($business_start..$business_end minutes,
-- Monday to Friday) and in sleep hours ($sleep_start..$sleep_end) in $responder_timezone.
WITH scoped AS (
    SELECT i.incident_id,
           coalesce(i.owner_team, '(no team)') AS team,
           i.responders,
           i.interruptions_total, i.interruptions_business, i.interruptions_off_hours, i.interruptions_sleep,
           hour(timezone($responder_timezone, i.created_at)) * 60
               + minute(timezone($responder_timezone, i.created_at)) AS minute_of_day,
           isodow(timezone($responder_timezone, i.created_at)) >= 6 AS weekend
    FROM incidents_in_scope($period_start, $period_end, $max_severity_rank, $service, $team) AS i
),
people AS (
    SELECT team, unnest(responders) AS person FROM scoped
),
per_team AS (
    SELECT team, count(DISTINCT person) AS responders FROM people GROUP BY team
),
totals AS (
    SELECT team,
           grouping(team) AS everyone,
           count(*) AS incidents,
           count(interruptions_total) AS incidents_with_interruptions,
           coalesce(sum(interruptions_total), 0) AS interruptions,
           coalesce(sum(interruptions_business), 0) AS business_interruptions,
           coalesce(sum(interruptions_off_hours), 0) AS off_hour_interruptions,
           coalesce(sum(interruptions_sleep), 0) AS sleep_interruptions,
           count(*) FILTER (WHERE weekend OR minute_of_day < $business_start
                                  OR minute_of_day >= $business_end) AS created_outside_business,
           count(*) FILTER (WHERE minute_of_day >= $sleep_start OR minute_of_day < $sleep_end)
               AS created_in_sleep_hours
    FROM scoped
    GROUP BY GROUPING SETS ((team), ())
)
SELECT CASE WHEN t.everyone = 1 THEN '(all teams)' ELSE t.team END AS team,
       t.incidents::BIGINT AS incidents,
       t.incidents_with_interruptions::BIGINT AS incidents_with_interruptions,
       t.interruptions::BIGINT AS interruptions,
       t.business_interruptions::BIGINT AS business_interruptions,
       t.off_hour_interruptions::BIGINT AS off_hour_interruptions,
       t.sleep_interruptions::BIGINT AS sleep_interruptions,
       (CASE WHEN t.everyone = 1 THEN (SELECT count(DISTINCT person) FROM people)
             ELSE coalesce(p.responders, 0) END)::BIGINT AS responders,
       t.created_outside_business::BIGINT AS created_outside_business,
       t.created_in_sleep_hours::BIGINT AS created_in_sleep_hours
FROM totals AS t
LEFT JOIN per_team AS p ON p.team = t.team AND t.everyone = 0
ORDER BY t.everyone, t.incidents DESC, t.team
