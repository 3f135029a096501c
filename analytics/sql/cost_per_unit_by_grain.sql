-- Unit-cost inputs per time bucket ($grain 'day' or 'month') and business-metric dimension over
-- [$start, $end): the volume of business metric $metric (Σ value and the number of days it was
-- reported) and the Σ EffectiveCost of the cost rows in scope whose tag $cost_tag_key (a bound
-- value) equals the metric's dimension; a metric with an empty dimension (company-wide, such as
-- active_tenants) is matched with all cost in scope. One row per bucket and dimension the metric
-- reports. Day buckets only count rows charged for a day or less, so monthly fees do not land on the
-- 1st. Corrections are left out (they are reported on their own line). Scope and window: the
-- cost_in_scope macro (migrations 0006, 0010); the tag value is joined from cost_tags (migration 0010).
WITH volume AS (
    SELECT date_trunc($grain, date)::DATE AS bucket_start,
           dimension,
           sum(value) AS volume,
           count(DISTINCT date) AS volume_days
    FROM business_metrics
    WHERE metric = $metric AND date >= $start::DATE AND date < $end::DATE
    GROUP BY ALL
),
scoped AS (
    SELECT date_trunc($grain, ChargePeriodStart)::DATE AS bucket_start,
           nullif(trim(cost_tag.tag_value), '') AS dimension,
           EffectiveCost
    FROM cost_in_scope($start, $end, $provider, $service, $account, $region, $filter_tag_key, $filter_tag_value)
         AS cost_row
         LEFT JOIN cost_tags AS cost_tag ON cost_tag.Tags = cost_row.Tags AND cost_tag.tag_key = $cost_tag_key
    WHERE NOT coalesce(ChargeClass = 'Correction', false)
      AND ($grain <> 'day' OR ChargePeriodEnd - ChargePeriodStart <= INTERVAL 1 DAY)
),
cost_by AS (
    SELECT bucket_start, dimension, sum(EffectiveCost) AS cost, count(*) AS cost_rows
    FROM scoped
    WHERE dimension IS NOT NULL
    GROUP BY ALL
    UNION ALL
    SELECT bucket_start, '' AS dimension, sum(EffectiveCost) AS cost, count(*) AS cost_rows
    FROM scoped
    GROUP BY ALL
)
SELECT v.bucket_start,
       v.dimension,
       coalesce(c.cost, 0)::DECIMAL(38, 10) AS cost,
       coalesce(c.cost_rows, 0)::BIGINT AS cost_rows,
       v.volume,
       v.volume_days
FROM volume v
LEFT JOIN cost_by c ON c.bucket_start = v.bucket_start AND c.dimension = v.dimension
ORDER BY v.bucket_start, v.dimension
