-- parameters: provider, provider, service, service, account, account, region, region, filter_tag_key, filter_tag_value, filter_tag_key, filter_tag_key, filter_tag_value, rate_start, rate_end
SELECT
  CAST(COALESCE(SUM(EffectiveCost), 0) AS DECIMAL(38, 10)) AS effective_cost,
  CAST(COALESCE(SUM(BilledCost), 0) AS DECIMAL(38, 10)) AS billed_cost,
  CAST(MIN(ChargePeriodStart) AS DATE) AS first_day,
  CAST(MAX(ChargePeriodStart) AS DATE) AS last_day,
  COUNT(DISTINCT CAST(ChargePeriodStart AS DATE)) AS days_with_data
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
) AS cost_in_scope
WHERE
  ChargePeriodEnd - ChargePeriodStart <= INTERVAL '1' DAY
  AND NOT COALESCE(ChargeClass = 'Correction', FALSE)
