-- Σ EffectiveCost per value of one dimension in two windows, A = [$a_start, $a_end) and
-- B = [$b_start, $b_end), by ChargePeriodStart (accrual basis; FORMATS-COST §1.3).
-- The dimension is a bound value naming an allow-listed column ('ProviderName', …), 'tag' (the
-- value of the tag key $dimension_tag_key, bound, never spliced into a JSON path) or 'total'.
-- Corrections to closed periods (ChargeClass = 'Correction') are never mixed into a dimension
-- value: they form their own line (is_correction). Missing values become '(untagged)' for a tag
-- and '(not set)' for a column. Scope filters: NULL means "any".
WITH scoped AS (
    SELECT ChargePeriodStart,
           EffectiveCost,
           coalesce(ChargeClass = 'Correction', false) AS is_correction,
           nullif(trim(CASE $dimension
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
           END), '') AS raw_value
    FROM cost
    WHERE ((ChargePeriodStart >= $a_start AND ChargePeriodStart < $a_end)
           OR (ChargePeriodStart >= $b_start AND ChargePeriodStart < $b_end))
      AND ($provider IS NULL OR ProviderName = $provider)
      AND ($service IS NULL OR ServiceName = $service)
      AND ($account IS NULL OR SubAccountId = $account)
      AND ($region IS NULL OR RegionId = $region)
      AND ($filter_tag_key IS NULL OR CASE
               WHEN $filter_tag_value IS NULL
                   THEN nullif(trim(TRY_CAST(Tags AS MAP(VARCHAR, VARCHAR))[$filter_tag_key]), '') IS NULL
               ELSE TRY_CAST(Tags AS MAP(VARCHAR, VARCHAR))[$filter_tag_key] = $filter_tag_value
           END)
)
SELECT CASE
           WHEN is_correction THEN '(corrections)'
           ELSE coalesce(raw_value, CASE WHEN $dimension = 'tag' THEN '(untagged)' ELSE '(not set)' END)
       END AS value,
       is_correction,
       coalesce(sum(EffectiveCost) FILTER (WHERE ChargePeriodStart >= $a_start AND ChargePeriodStart < $a_end),
                0)::DECIMAL(38, 10) AS cost_a,
       coalesce(sum(EffectiveCost) FILTER (WHERE ChargePeriodStart >= $b_start AND ChargePeriodStart < $b_end),
                0)::DECIMAL(38, 10) AS cost_b,
       count(*) FILTER (WHERE ChargePeriodStart >= $a_start AND ChargePeriodStart < $a_end) AS rows_a,
       count(*) FILTER (WHERE ChargePeriodStart >= $b_start AND ChargePeriodStart < $b_end) AS rows_b
FROM scoped
GROUP BY ALL
ORDER BY is_correction, cost_b DESC, cost_a DESC, value
