-- The cost side of unit cost: Σ EffectiveCost and rows per time bucket ($grain 'day' or 'month') of the
-- cost rows in scope charged in [$start, $end), per value of the tag $cost_tag_key (a bound value;
-- rows without it are left out of these lines), plus one line per bucket with dimension '' holding
-- all cost in scope (for a company-wide metric such as active_tenants). Day buckets only count rows
-- charged for a day or less, so monthly fees do not land on the 1st. Corrections are left out (they
-- are reported on their own line). The volume side is business_volume_by_grain.sql; the two are
-- joined in analytics.metrics.cost (this statement may run on another engine than the warehouse).
-- Scope and window: the cost_in_scope macro (migrations 0006, 0010); the tag value is joined from
-- cost_tags (migration 0010).
WITH scoped AS (
    SELECT date_trunc($grain, ChargePeriodStart)::DATE AS bucket_start,
           nullif(trim(cost_tag.tag_value), '') AS dimension,
           EffectiveCost
    FROM cost_in_scope($start, $end, $provider, $service, $account, $region, $filter_tag_key, $filter_tag_value)
         AS cost_row
         LEFT JOIN cost_tags AS cost_tag ON cost_tag.Tags = cost_row.Tags AND cost_tag.tag_key = $cost_tag_key
    WHERE NOT coalesce(ChargeClass = 'Correction', false)
      AND ($grain <> 'day' OR ChargePeriodEnd - ChargePeriodStart <= INTERVAL 1 DAY)
)
SELECT bucket_start, dimension, sum(EffectiveCost)::DECIMAL(38, 10) AS cost, count(*) AS cost_rows
FROM scoped
WHERE dimension IS NOT NULL
GROUP BY bucket_start, dimension
UNION ALL
SELECT bucket_start, '' AS dimension, sum(EffectiveCost)::DECIMAL(38, 10) AS cost, count(*) AS cost_rows
FROM scoped
GROUP BY bucket_start
ORDER BY bucket_start, dimension
