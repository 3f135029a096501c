-- Tag coverage inputs for the tag key $tag_key (a bound value) over rows whose ChargePeriodStart
-- lies in [$start, $end): per value of one dimension and per row class, Σ EffectiveCost and rows,
-- in total and with the tag present and non-empty. Row classes: 'usage' is the only taggable one;
-- 'correction' (ChargeClass = 'Correction'), 'tax', 'support' (ServiceName mentions support),
-- 'purchase', 'credit' (Credit and Adjustment) and 'unused commitment' (CommitmentDiscountStatus =
-- 'Unused') cannot carry resource tags and are reported apart (METRICS §4).
WITH scoped AS (
    SELECT EffectiveCost,
           nullif(trim(TRY_CAST(Tags AS MAP(VARCHAR, VARCHAR))[$tag_key]), '') IS NOT NULL AS tagged,
           CASE
               WHEN coalesce(ChargeClass = 'Correction', false) THEN 'correction'
               WHEN ChargeCategory = 'Tax' THEN 'tax'
               WHEN ServiceName ILIKE '%support%' THEN 'support'
               WHEN ChargeCategory = 'Purchase' THEN 'purchase'
               WHEN ChargeCategory IN ('Credit', 'Adjustment') THEN 'credit'
               WHEN CommitmentDiscountStatus = 'Unused' THEN 'unused commitment'
               ELSE 'usage'
           END AS row_class,
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
       row_class,
       row_class = 'usage' AS taggable,
       sum(EffectiveCost)::DECIMAL(38, 10) AS cost,
       coalesce(sum(EffectiveCost) FILTER (WHERE tagged), 0)::DECIMAL(38, 10) AS tagged_cost,
       count(*) AS rows,
       count(*) FILTER (WHERE tagged) AS tagged_rows
FROM scoped
GROUP BY ALL
ORDER BY value, taggable DESC, row_class
