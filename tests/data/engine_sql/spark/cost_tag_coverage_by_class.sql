-- parameters: account, dimension, dimension_tag_key, end, filter_tag_key, filter_tag_value, provider, region, service, start, tag_key
WITH scoped AS (
  SELECT
    EffectiveCost,
    NOT NULLIF(TRIM(TRY_ELEMENT_AT(FROM_JSON(cost_row.Tags, 'MAP<STRING,STRING>'), :tag_key)), '') IS NULL AS tagged,
    CASE
      WHEN COALESCE(ChargeClass = 'Correction', FALSE)
      THEN 'correction'
      WHEN ChargeCategory = 'Tax'
      THEN 'tax'
      WHEN ServiceName ILIKE '%support%'
      THEN 'support'
      WHEN ChargeCategory = 'Purchase'
      THEN 'purchase'
      WHEN ChargeCategory IN ('Credit', 'Adjustment')
      THEN 'credit'
      WHEN CommitmentDiscountStatus = 'Unused'
      THEN 'unused commitment'
      ELSE 'usage'
    END AS row_class,
    COALESCE(
      NULLIF(
        TRIM(
          CASE :dimension
            WHEN 'total'
            THEN 'total'
            WHEN 'ProviderName'
            THEN cost_row.ProviderName
            WHEN 'ServiceName'
            THEN cost_row.ServiceName
            WHEN 'ServiceCategory'
            THEN cost_row.ServiceCategory
            WHEN 'SubAccountId'
            THEN cost_row.SubAccountId
            WHEN 'SubAccountName'
            THEN cost_row.SubAccountName
            WHEN 'BillingAccountId'
            THEN cost_row.BillingAccountId
            WHEN 'RegionId'
            THEN cost_row.RegionId
            WHEN 'ChargeCategory'
            THEN cost_row.ChargeCategory
            WHEN 'PricingCategory'
            THEN cost_row.PricingCategory
            WHEN 'ResourceId'
            THEN cost_row.ResourceId
            WHEN 'CommitmentDiscountId'
            THEN cost_row.CommitmentDiscountId
            WHEN 'x_UsageType'
            THEN cost_row.x_UsageType
            WHEN 'tag'
            THEN TRY_ELEMENT_AT(FROM_JSON(cost_row.Tags, 'MAP<STRING,STRING>'), :dimension_tag_key)
          END
        ),
        ''
      ),
      CASE WHEN :dimension = 'tag' THEN '(untagged)' ELSE '(not set)' END
    ) AS value
  FROM (
    SELECT
      *
    FROM (
      SELECT
        cost.*
      FROM `focus_cost` AS cost
      WHERE
        (
          :provider IS NULL OR ProviderName = :provider
        )
        AND (
          :service IS NULL OR ServiceName = :service
        )
        AND (
          :account IS NULL OR SubAccountId = :account
        )
        AND (
          :region IS NULL OR RegionId = :region
        )
        AND (
          :filter_tag_key IS NULL
          OR CASE
            WHEN :filter_tag_value IS NULL
            THEN NULLIF(
              TRIM(TRY_ELEMENT_AT(FROM_JSON(cost.Tags, 'MAP<STRING,STRING>'), :filter_tag_key)),
              ''
            ) IS NULL
            ELSE TRY_ELEMENT_AT(FROM_JSON(cost.Tags, 'MAP<STRING,STRING>'), :filter_tag_key) = :filter_tag_value
          END
        )
    ) AS cost_in_scope_any_date
    WHERE
      ChargePeriodStart >= :start AND ChargePeriodStart < :end
  ) AS cost_row
)
SELECT
  value,
  row_class,
  row_class = 'usage' AS taggable,
  CAST(SUM(EffectiveCost) AS DECIMAL(38, 10)) AS cost,
  CAST(COALESCE(SUM(EffectiveCost) FILTER(WHERE
    tagged), 0) AS DECIMAL(38, 10)) AS tagged_cost,
  COUNT(*) AS rows,
  COUNT(*) FILTER(WHERE
    tagged) AS tagged_rows
FROM scoped
GROUP BY ALL
ORDER BY
  value NULLS LAST,
  taggable DESC,
  row_class NULLS LAST
