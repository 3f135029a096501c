-- Daily EffectiveCost of the rows anomaly detection judges, at every level of the cost hierarchy,
-- for charge days in [$start, $end). One row per (level, scope, day) that has rows.
-- Judged rows: ChargeCategory = 'Usage', not a correction of a closed period, not a one-time or
-- recurring (scheduled) charge, not unused commitment. Everything else is a scheduled or expected
-- charge (anomaly_scheduled_charges.sql). Levels: total, provider, service (provider + service), and
-- under a service its account, region, usage type (x_UsageType) and the value of the tag $tag_key.
-- Missing dimension values are '(none)', a missing or empty tag '(untagged)'.
WITH judged AS (
    SELECT ChargePeriodStart::DATE AS day,
           ProviderName AS provider,
           coalesce(ServiceName, '(none)') AS service,
           coalesce(SubAccountId, '(none)') AS account,
           coalesce(RegionId, '(none)') AS region,
           coalesce(x_UsageType, '(none)') AS usage_type,
           coalesce(nullif(json_extract_string(Tags, '$.' || to_json($tag_key::VARCHAR)::VARCHAR), ''),
                    '(untagged)') AS tag,
           EffectiveCost::DOUBLE AS cost
    FROM cost
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
