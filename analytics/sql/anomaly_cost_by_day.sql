-- Daily EffectiveCost of the rows anomaly detection judges, at every level of the cost hierarchy,
-- for charge days in [$start, $end). One row per (level, scope, day) that has rows.
-- Judged rows and their members: the cost_judged_rows macro (migration 0011: usage,
-- no correction, no scheduled charge, no unused commitment; a NULL or blank member is '(not set)', a
-- missing tag value '(untagged)' -- a member of its own at every level, never a NULL). Levels: total,
-- provider, service (provider + service), and under a service its account, region, usage type
-- (x_UsageType) and the value of the tag $tag_key.
WITH judged AS (
    SELECT day, provider, service, account, region, usage_type, tag, EffectiveCost::DOUBLE AS cost
    FROM cost_judged_rows($start, $end, $tag_key::VARCHAR)
),
grouped AS (
    SELECT day, provider, service, account, region, usage_type, tag,
           GROUPING(provider, service, account, region, usage_type, tag) AS g,
           sum(cost) AS cost,
           count(*) AS row_count
    FROM judged
    GROUP BY GROUPING SETS ((day), (day, provider), (day, provider, service),
                            (day, provider, service, account), (day, provider, service, region),
                            (day, provider, service, usage_type), (day, provider, service, tag))
)
SELECT CASE g WHEN 63 THEN 'total' WHEN 31 THEN 'provider' WHEN 15 THEN 'service'
              WHEN 7 THEN 'account' WHEN 11 THEN 'region' WHEN 13 THEN 'usage_type' ELSE 'tag' END AS level,
       provider, service,
       CASE g WHEN 7 THEN account WHEN 11 THEN region WHEN 13 THEN usage_type WHEN 14 THEN tag END AS member,
       day, cost, row_count
FROM grouped
ORDER BY g DESC, provider NULLS FIRST, service NULLS FIRST, member NULLS FIRST, day
