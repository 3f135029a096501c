-- parameters: dimension, dimension_tag_key, dimension, provider, provider, service, service, account, account, region, region, filter_tag_key, filter_tag_value, filter_tag_key, filter_tag_key, filter_tag_value, a_start, a_end, b_start, b_end, a_start, a_end, b_start, b_end, a_start, a_end, b_start, b_end
WITH scoped AS (
  SELECT
    ChargePeriodStart,
    EffectiveCost,
    COALESCE(ChargeClass = 'Correction', FALSE) AS is_correction,
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
    ) AS dimension_value
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
  ) AS cost_row
  WHERE
    (
      ChargePeriodStart >= ? AND ChargePeriodStart < ?
    )
    OR (
      ChargePeriodStart >= ? AND ChargePeriodStart < ?
    )
)
SELECT
  CASE WHEN is_correction THEN '(corrections)' ELSE dimension_value END AS value,
  is_correction,
  CAST(COALESCE(
    SUM(EffectiveCost) FILTER(WHERE
      ChargePeriodStart >= ? AND ChargePeriodStart < ?),
    0
  ) AS DECIMAL(38, 10)) AS cost_a,
  CAST(COALESCE(
    SUM(EffectiveCost) FILTER(WHERE
      ChargePeriodStart >= ? AND ChargePeriodStart < ?),
    0
  ) AS DECIMAL(38, 10)) AS cost_b,
  COUNT(*) FILTER(WHERE
    ChargePeriodStart >= ? AND ChargePeriodStart < ?) AS rows_a,
  COUNT(*) FILTER(WHERE
    ChargePeriodStart >= ? AND ChargePeriodStart < ?) AS rows_b
FROM scoped
GROUP BY
  CASE WHEN is_correction THEN '(corrections)' ELSE dimension_value END,
  is_correction
ORDER BY
  is_correction,
  cost_b DESC,
  cost_a DESC,
  value
