-- parameters: tag_key, dimension, dimension_tag_key, dimension, provider, provider, service, service, account, account, region, region, filter_tag_key, filter_tag_value, filter_tag_key, filter_tag_key, filter_tag_value, start, end
WITH scoped AS (
  SELECT
    EffectiveCost,
    NOT NULLIF(TRIM(ELEMENT_AT(cost_row.Tags, ?)), '') IS NULL AS tagged,
    CASE
      WHEN COALESCE(ChargeClass = 'Correction', FALSE)
      THEN 'correction'
      WHEN ChargeCategory = 'Tax'
      THEN 'tax'
      WHEN LOWER(ServiceName) LIKE LOWER('%support%')
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
          CASE ?
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
            THEN ELEMENT_AT(cost_row.Tags, ?)
          END
        ),
        ''
      ),
      CASE WHEN ? = 'tag' THEN '(untagged)' ELSE '(not set)' END
    ) AS value
  FROM (
    SELECT
      *
    FROM (
      SELECT
        cost.*
      FROM "focus"."costs" AS cost
      WHERE
        (
          ? IS NULL OR ProviderName = ?
        )
        AND (
          ? IS NULL OR ServiceName = ?
        )
        AND (
          ? IS NULL OR SubAccountId = ?
        )
        AND (
          ? IS NULL OR RegionId = ?
        )
        AND (
          ? IS NULL
          OR CASE
            WHEN ? IS NULL
            THEN NULLIF(TRIM(ELEMENT_AT(cost.Tags, ?)), '') IS NULL
            ELSE ELEMENT_AT(cost.Tags, ?) = ?
          END
        )
    ) AS cost_in_scope_any_date
    WHERE
      ChargePeriodStart >= ? AND ChargePeriodStart < ?
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
GROUP BY
  value,
  row_class,
  row_class = 'usage'
ORDER BY
  value,
  taggable DESC,
  row_class
