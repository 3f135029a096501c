-- The cost side of unit cost: Σ EffectiveCost and rows per time bucket ($grain 'day' or 'month') of the
-- cost rows in scope charged in [$start, $end), per value of the tag $cost_tag_key (a bound value;
-- rows without it are left out of these lines), plus one line per bucket with dimension '' holding
-- all cost in scope (for a company-wide metric such as active_tenants). Day buckets only count rows
-- charged for a day or less, so monthly fees do not land on the 1st. Corrections are left out (they
-- are reported on their own line). The volume side is business_volume_by_grain.sql; the two are
-- joined in analytics.metrics.cost (this statement may run on another engine than the warehouse).
-- Scope and window: the cost_in_scope macro (migration 0006).
WITH scoped AS (
    SELECT date_trunc($grain, ChargePeriodStart)::DATE AS bucket_start,
           nullif(trim(TRY_CAST(Tags AS MAP(VARCHAR, VARCHAR))[$cost_tag_key]), '') AS dimension,
           EffectiveCost
    FROM cost_in_scope($start, $end, $provider, $service, $account, $region, $filter_tag_key, $filter_tag_value)
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
