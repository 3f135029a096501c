-- Daily EffectiveCost of the rows anomaly detection judges, at every level of the cost hierarchy,
-- for charge days in [$start, $end). One row per (level, scope, day) that has rows.
-- Judged rows: ChargeCategory = 'Usage', not a correction of a closed period, not a one-time or
-- recurring (scheduled) charge, not unused commitment. Everything else is a scheduled or expected
-- charge (anomaly_scheduled_charges.sql). Levels: total, provider, service (provider + service), and
-- under a service its account, region, usage type (x_UsageType) and the value of the tag $tag_key.
-- Members are the cost_dimension_value macro (migrations 0006, 0010; the tag joined from cost_tags), as in every cost report: a NULL or
-- blank provider, service, account, region or usage type is the member '(not set)', a missing or
-- blank tag value '(untagged)' -- a member of its own at every level, never a NULL.
WITH judged AS (
    SELECT ChargePeriodStart::DATE AS day,
           cost_dimension_value('ProviderName', NULL, c) AS provider,
           cost_dimension_value('ServiceName', NULL, c) AS service,
           cost_dimension_value('SubAccountId', NULL, c) AS account,
           cost_dimension_value('RegionId', NULL, c) AS region,
           cost_dimension_value('x_UsageType', NULL, c) AS usage_type,
           cost_dimension_value('tag', level_tag.tag_value, c) AS tag,
           EffectiveCost::DOUBLE AS cost
    FROM cost AS c
    LEFT JOIN cost_tags AS level_tag ON level_tag.Tags = c.Tags AND level_tag.tag_key = $tag_key::VARCHAR
    WHERE ChargePeriodStart >= $start AND ChargePeriodStart < $end
      AND ChargeCategory = 'Usage'
      AND ChargeClass IS DISTINCT FROM 'Correction'
      AND coalesce(ChargeFrequency, 'Usage-Based') NOT IN ('One-Time', 'Recurring')
      AND CommitmentDiscountStatus IS DISTINCT FROM 'Unused'
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
