-- Commitment coverage (project definition, METRICS §4) per value of one dimension over usage rows
-- whose ChargePeriodStart lies in [$start, $end): Σ EffectiveCost of usage a commitment covered
-- (CommitmentDiscountStatus = 'Used') / Σ EffectiveCost of usage eligible for commitments
-- (PricingCategory Standard or Committed; Spot/Dynamic/Other excluded). Unused-commitment rows are
-- not usage and are in neither sum. Dimension and scope filters as in cost_change_by_dimension.sql.
WITH scoped AS (
    SELECT EffectiveCost,
           CommitmentDiscountStatus = 'Used' AS covered,
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
      AND ChargeCategory = 'Usage'
      AND NOT coalesce(ChargeClass = 'Correction', false)
      AND PricingCategory IN ('Standard', 'Committed')
      AND CommitmentDiscountStatus IS DISTINCT FROM 'Unused'
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
SELECT value,
       coalesce(sum(EffectiveCost) FILTER (WHERE covered), 0)::DECIMAL(38, 10) AS covered_cost,
       sum(EffectiveCost)::DECIMAL(38, 10) AS eligible_cost,
       coalesce(sum(EffectiveCost) FILTER (WHERE covered), 0)::DOUBLE / nullif(sum(EffectiveCost), 0)::DOUBLE
           AS coverage,
       count(*) AS rows
FROM scoped
GROUP BY value
ORDER BY eligible_cost DESC, value
