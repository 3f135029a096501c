-- parameters: account, filter_tag_key, filter_tag_value, provider, rate_end, rate_start, region, service
SELECT
  CAST(COALESCE(SUM(EffectiveCost), 0) AS BIGNUMERIC) AS effective_cost,
  CAST(COALESCE(SUM(BilledCost), 0) AS BIGNUMERIC) AS billed_cost,
  CAST(MIN(ChargePeriodStart) AS DATE) AS first_day,
  CAST(MAX(ChargePeriodStart) AS DATE) AS last_day,
  COUNT(DISTINCT CAST(ChargePeriodStart AS DATE)) AS days_with_data
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
    ChargePeriodStart >= @rate_start AND ChargePeriodStart < @rate_end
) AS cost_in_scope
WHERE
  ChargePeriodEnd - ChargePeriodStart <= INTERVAL '1' DAY
  AND NOT COALESCE(ChargeClass = 'Correction', FALSE)
