-- Rate-optimisation savings per value of one dimension over rows whose ChargePeriodStart lies in
-- [$start, $end) (FORMATS-COST §1.3, METRICS §4): negotiated = Σ(ListCost − ContractedCost),
-- commitment = Σ(ContractedCost − EffectiveCost), total = Σ(ListCost − EffectiveCost), ESR = total /
-- Σ ListCost. Commitment purchases are left out — prepaid ones (Purchase with BilledCost > 0 and
-- EffectiveCost = 0) and any Purchase carrying a CommitmentDiscountCategory — because their cost is
-- already in the amortised usage rows; counting both would double count. Corrections (unit prices need
-- not hold) and rows without ListCost or ContractedCost are left out too, and every exclusion is
-- counted. Unused commitment stays in: its EffectiveCost above a zero ContractedCost is negative
-- savings (waste). Dimension and scope filters as in cost_change_by_dimension.sql.
WITH scoped AS (
    SELECT ListCost,
           ContractedCost,
           EffectiveCost,
           BilledCost,
           CASE
               WHEN ChargeCategory = 'Purchase'
                    AND ((BilledCost > 0 AND EffectiveCost = 0) OR CommitmentDiscountCategory IS NOT NULL)
                   THEN 'commitment purchase'
               WHEN coalesce(ChargeClass = 'Correction', false) THEN 'correction'
               WHEN ListCost IS NULL OR ContractedCost IS NULL THEN 'no list or contracted cost'
           END AS excluded_as,
           CommitmentDiscountStatus = 'Unused' AS unused,
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
)
SELECT value,
       coalesce(sum(ListCost) FILTER (WHERE excluded_as IS NULL), 0)::DECIMAL(38, 10) AS list_cost,
       coalesce(sum(ContractedCost) FILTER (WHERE excluded_as IS NULL), 0)::DECIMAL(38, 10) AS contracted_cost,
       coalesce(sum(EffectiveCost) FILTER (WHERE excluded_as IS NULL), 0)::DECIMAL(38, 10) AS effective_cost,
       coalesce(sum(ListCost - ContractedCost) FILTER (WHERE excluded_as IS NULL), 0)::DECIMAL(38, 10)
           AS negotiated_savings,
       coalesce(sum(ContractedCost - EffectiveCost) FILTER (WHERE excluded_as IS NULL), 0)::DECIMAL(38, 10)
           AS commitment_savings,
       coalesce(sum(ListCost - EffectiveCost) FILTER (WHERE excluded_as IS NULL), 0)::DECIMAL(38, 10)
           AS total_savings,
       coalesce(sum(EffectiveCost) FILTER (WHERE excluded_as IS NULL AND unused), 0)::DECIMAL(38, 10)
           AS unused_commitment_cost,
       count(*) FILTER (WHERE excluded_as IS NULL) AS rows,
       count(*) FILTER (WHERE excluded_as = 'commitment purchase') AS purchase_rows_excluded,
       coalesce(sum(BilledCost) FILTER (WHERE excluded_as = 'commitment purchase'), 0)::DECIMAL(38, 10)
           AS purchase_billed_excluded,
       count(*) FILTER (WHERE excluded_as = 'correction') AS correction_rows_excluded,
       count(*) FILTER (WHERE excluded_as = 'no list or contracted cost') AS unpriced_rows_excluded,
       coalesce(sum(EffectiveCost) FILTER (WHERE excluded_as = 'no list or contracted cost'), 0)::DECIMAL(38, 10)
           AS unpriced_cost_excluded
FROM scoped
GROUP BY value
ORDER BY list_cost DESC, value
