-- parameters: account, dimension, dimension_tag_key, end, filter_tag_key, filter_tag_value, provider, region, service, start
WITH scoped AS (
  SELECT
    ListCost,
    ContractedCost,
    EffectiveCost,
    BilledCost,
    CASE
      WHEN ChargeCategory = 'Purchase'
      AND (
        (
          BilledCost > 0 AND EffectiveCost = 0
        )
        OR NOT CommitmentDiscountCategory IS NULL
      )
      THEN 'commitment purchase'
      WHEN COALESCE(ChargeClass = 'Correction', FALSE)
      THEN 'correction'
      WHEN ListCost IS NULL OR ContractedCost IS NULL
      THEN 'no list or contracted cost'
    END AS excluded_as,
    CommitmentDiscountStatus = 'Unused' AS unused,
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
  CAST(COALESCE(SUM(ListCost) FILTER(WHERE
    excluded_as IS NULL), 0) AS DECIMAL(38, 10)) AS list_cost,
  CAST(COALESCE(SUM(ContractedCost) FILTER(WHERE
    excluded_as IS NULL), 0) AS DECIMAL(38, 10)) AS contracted_cost,
  CAST(COALESCE(SUM(EffectiveCost) FILTER(WHERE
    excluded_as IS NULL), 0) AS DECIMAL(38, 10)) AS effective_cost,
  CAST(COALESCE(SUM(ListCost - ContractedCost) FILTER(WHERE
    excluded_as IS NULL), 0) AS DECIMAL(38, 10)) AS negotiated_savings,
  CAST(COALESCE(SUM(ContractedCost - EffectiveCost) FILTER(WHERE
    excluded_as IS NULL), 0) AS DECIMAL(38, 10)) AS commitment_savings,
  CAST(COALESCE(SUM(ListCost - EffectiveCost) FILTER(WHERE
    excluded_as IS NULL), 0) AS DECIMAL(38, 10)) AS total_savings,
  CAST(COALESCE(SUM(EffectiveCost) FILTER(WHERE
    excluded_as IS NULL AND unused), 0) AS DECIMAL(38, 10)) AS unused_commitment_cost,
  COUNT(*) FILTER(WHERE
    excluded_as IS NULL) AS rows,
  COUNT(*) FILTER(WHERE
    excluded_as = 'commitment purchase') AS purchase_rows_excluded,
  CAST(COALESCE(SUM(BilledCost) FILTER(WHERE
    excluded_as = 'commitment purchase'), 0) AS DECIMAL(38, 10)) AS purchase_billed_excluded,
  COUNT(*) FILTER(WHERE
    excluded_as = 'correction') AS correction_rows_excluded,
  COUNT(*) FILTER(WHERE
    excluded_as = 'no list or contracted cost') AS unpriced_rows_excluded,
  CAST(COALESCE(SUM(EffectiveCost) FILTER(WHERE
    excluded_as = 'no list or contracted cost'), 0) AS DECIMAL(38, 10)) AS unpriced_cost_excluded
FROM scoped
GROUP BY
  value
ORDER BY
  list_cost DESC,
  value NULLS LAST
