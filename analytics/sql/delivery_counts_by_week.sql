-- Successful deployments per ISO week (Monday start, UTC) inside [$period_start, $period_end) per
-- group ($by: service, team, repo or environment; anything else gives one group '(all)'), in scope
-- as in delivery_deployments.sql, de-duplicated by source id. Every week touching the period and
-- every group with a deployment in it appear, with 0 where none; weeks cut by the period are flagged.
WITH weeks AS (
    SELECT unnest(generate_series(date_trunc('week', $period_start::TIMESTAMPTZ),
                                  $period_end::TIMESTAMPTZ - INTERVAL 1 SECOND,
                                  INTERVAL 7 DAY)) AS week_start
),
scoped AS (
    SELECT date_trunc('week', d.deployed_at) AS week_start,
           CASE $by
               WHEN 'service' THEN coalesce(d.service, '(no service)')
               WHEN 'team' THEN coalesce(d.owner_team, '(no team)')
               WHEN 'repo' THEN coalesce(d.repo, '(no repo)')
               WHEN 'environment' THEN coalesce(d.environment, '(no environment)')
               ELSE '(all)'
           END AS group_value
    FROM deployments_in_scope($period_start, $period_end, $service, $team, $repo, $environment) AS d
),
counted AS (
    SELECT week_start, group_value, count(*) AS deployments FROM scoped GROUP BY ALL
)
SELECT w.week_start::DATE AS week_start,
       g.group_value,
       coalesce(c.deployments, 0)::BIGINT AS deployments,
       (w.week_start < $period_start OR w.week_start + INTERVAL 7 DAY > $period_end) AS partial_week
FROM weeks AS w
CROSS JOIN (SELECT DISTINCT group_value FROM scoped) AS g
LEFT JOIN counted AS c ON c.week_start = w.week_start AND c.group_value = g.group_value
ORDER BY w.week_start, g.group_value
