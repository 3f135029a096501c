-- parameters: account, dimension, dimension_tag_key, end, filter_tag_key, filter_tag_value, provider, region, service, start
WITH scoped AS (
  SELECT
    EffectiveCost,
    CommitmentDiscountStatus = 'Used' AS covered,
    COALESCE(
      NULLIF(
        TRIM(
          CASE @dimension
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
            THEN JSON_VALUE(cost_row.Tags[@dimension_tag_key])
          END
        ),
        ''
      ),
      CASE WHEN @dimension = 'tag' THEN '(untagged)' ELSE '(not set)' END
    ) AS value
  FROM (
    SELECT
      *
    FROM (
      SELECT
        cost.*
      FROM `billing-prod`.`focus`.`costs` AS cost
      WHERE
        (
          @provider IS NULL OR ProviderName = @provider
        )
        AND (
          @service IS NULL OR ServiceName = @service
        )
        AND (
          @account IS NULL OR SubAccountId = @account
        )
        AND (
          @region IS NULL OR RegionId = @region
        )
        AND (
          @filter_tag_key IS NULL
          OR CASE
            WHEN @filter_tag_value IS NULL
            THEN NULLIF(TRIM(JSON_VALUE(cost.Tags[@filter_tag_key])), '') IS NULL
            ELSE JSON_VALUE(cost.Tags[@filter_tag_key]) = @filter_tag_value
          END
        )
    ) AS cost_in_scope_any_date
    WHERE
      ChargePeriodStart >= @start AND ChargePeriodStart < @end
  ) AS cost_row
  WHERE
    ChargeCategory = 'Usage'
    AND NOT COALESCE(ChargeClass = 'Correction', FALSE)
    AND PricingCategory IN ('Standard', 'Committed')
    AND CommitmentDiscountStatus IS DISTINCT FROM 'Unused'
)
SELECT
  value,
  CAST(COALESCE(SUM(IF(covered, EffectiveCost, NULL)), 0) AS BIGNUMERIC) AS covered_cost,
  CAST(SUM(EffectiveCost) AS BIGNUMERIC) AS eligible_cost,
  CAST(COALESCE(SUM(IF(covered, EffectiveCost, NULL)), 0) AS FLOAT64) / CAST(NULLIF(SUM(EffectiveCost), 0) AS FLOAT64) AS coverage,
  COUNT(*) AS `rows`
FROM scoped
GROUP BY
  value
ORDER BY
  eligible_cost DESC,
  value NULLS LAST
