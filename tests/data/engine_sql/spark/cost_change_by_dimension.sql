-- parameters: a_end, a_start, account, b_end, b_start, dimension, dimension_tag_key, filter_tag_key, filter_tag_value, provider, region, service
WITH scoped AS (
  SELECT
    ChargePeriodStart,
    EffectiveCost,
    COALESCE(ChargeClass = 'Correction', FALSE) AS is_correction,
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
    ) AS dimension_value
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
  ) AS cost_row
  WHERE
    (
      ChargePeriodStart >= :a_start AND ChargePeriodStart < :a_end
    )
    OR (
      ChargePeriodStart >= :b_start AND ChargePeriodStart < :b_end
    )
)
SELECT
  CASE WHEN is_correction THEN '(corrections)' ELSE dimension_value END AS value,
  is_correction,
  CAST(COALESCE(
    SUM(EffectiveCost) FILTER(WHERE
      ChargePeriodStart >= :a_start AND ChargePeriodStart < :a_end),
    0
  ) AS DECIMAL(38, 10)) AS cost_a,
  CAST(COALESCE(
    SUM(EffectiveCost) FILTER(WHERE
      ChargePeriodStart >= :b_start AND ChargePeriodStart < :b_end),
    0
  ) AS DECIMAL(38, 10)) AS cost_b,
  COUNT(*) FILTER(WHERE
    ChargePeriodStart >= :a_start AND ChargePeriodStart < :a_end) AS rows_a,
  COUNT(*) FILTER(WHERE
    ChargePeriodStart >= :b_start AND ChargePeriodStart < :b_end) AS rows_b
FROM scoped
GROUP BY ALL
ORDER BY
  is_correction NULLS LAST,
  cost_b DESC,
  cost_a DESC,
  value NULLS LAST
