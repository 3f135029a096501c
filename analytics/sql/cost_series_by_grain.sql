-- Σ EffectiveCost (and BilledCost) per time bucket of grain $grain ('day', 'week' = ISO week
-- starting Monday, 'month') and per value of one dimension, for rows whose ChargePeriodStart lies
-- in [$start, $end). Every bucket touching the window appears for every value seen in it (0 where
-- none); buckets cut by the window are flagged partial. Corrections (ChargeClass = 'Correction')
-- are kept out of effective_cost and billed_cost and reported in their own column, corrections
-- (their EffectiveCost).
-- Dimension and scope filters as in cost_change_by_dimension.sql.
WITH scoped AS (
    SELECT date_trunc($grain, ChargePeriodStart) AS bucket_start,
           EffectiveCost,
           BilledCost,
           coalesce(ChargeClass = 'Correction', false) AS is_correction,
           coalesce(nullif(trim(CASE $dimension
               WHEN 'total' THEN 'total'
               WHEN 'ProviderName' THEN ProviderName
               WHEN 'ServiceName' THEN ServiceName
               WHEN 'ServiceCategory' THEN ServiceCategory
               WHEN 'SubAccountId' THEN SubAccountId
               WHEN 'SubAccountName' THEN SubAccountName
               WHEN 'BillingAccountId' THEN BillingAccountId
               WHEN 'RegionId' THEN RegionId
               WHEN 'ChargeCategory' THEN ChargeCategory
               WHEN 'PricingCategory' THEN PricingCategory
               WHEN 'ResourceId' THEN ResourceId
               WHEN 'CommitmentDiscountId' THEN CommitmentDiscountId
               WHEN 'x_UsageType' THEN x_UsageType
               WHEN 'tag' THEN TRY_CAST(Tags AS MAP(VARCHAR, VARCHAR))[$dimension_tag_key]
           END), ''), CASE WHEN $dimension = 'tag' THEN '(untagged)' ELSE '(not set)' END) AS value
    FROM cost
    WHERE ChargePeriodStart >= $start AND ChargePeriodStart < $end
      AND ($provider IS NULL OR ProviderName = $provider)
      AND ($service IS NULL OR ServiceName = $service)
      AND ($account IS NULL OR SubAccountId = $account)
      AND ($region IS NULL OR RegionId = $region)
      AND ($filter_tag_key IS NULL OR CASE
               WHEN $filter_tag_value IS NULL
                   THEN nullif(trim(TRY_CAST(Tags AS MAP(VARCHAR, VARCHAR))[$filter_tag_key]), '') IS NULL
               ELSE TRY_CAST(Tags AS MAP(VARCHAR, VARCHAR))[$filter_tag_key] = $filter_tag_value
           END)
),
buckets AS (
    SELECT unnest(generate_series(date_trunc($grain, $start::TIMESTAMPTZ),
                                  $end::TIMESTAMPTZ - INTERVAL 1 SECOND,
                                  CASE $grain WHEN 'day' THEN INTERVAL 1 DAY
                                              WHEN 'week' THEN INTERVAL 7 DAY
                                              ELSE INTERVAL 1 MONTH END)) AS bucket_start
),
vals AS (SELECT DISTINCT value FROM scoped),
summed AS (
    SELECT bucket_start,
           value,
           coalesce(sum(EffectiveCost) FILTER (WHERE NOT is_correction), 0) AS effective_cost,
           coalesce(sum(EffectiveCost) FILTER (WHERE is_correction), 0) AS corrections,
           coalesce(sum(BilledCost) FILTER (WHERE NOT is_correction), 0) AS billed_cost,
           count(*) AS rows
    FROM scoped
    GROUP BY ALL
)
SELECT b.bucket_start::DATE AS bucket_start,
       (b.bucket_start + CASE $grain WHEN 'day' THEN INTERVAL 1 DAY
                                     WHEN 'week' THEN INTERVAL 7 DAY
                                     ELSE INTERVAL 1 MONTH END)::DATE AS bucket_end,
       v.value,
       coalesce(s.effective_cost, 0)::DECIMAL(38, 10) AS effective_cost,
       coalesce(s.corrections, 0)::DECIMAL(38, 10) AS corrections,
       coalesce(s.billed_cost, 0)::DECIMAL(38, 10) AS billed_cost,
       coalesce(s.rows, 0)::BIGINT AS rows,
       (b.bucket_start < $start::TIMESTAMPTZ
        OR b.bucket_start + CASE $grain WHEN 'day' THEN INTERVAL 1 DAY
                                        WHEN 'week' THEN INTERVAL 7 DAY
                                        ELSE INTERVAL 1 MONTH END > $end::TIMESTAMPTZ) AS partial
FROM buckets b
CROSS JOIN vals v
LEFT JOIN summed s ON s.bucket_start = b.bucket_start AND s.value = v.value
ORDER BY b.bucket_start, v.value
