-- parameters: provider, provider, service, service, account, account, region, region, filter_tag_key, filter_tag_value, filter_tag_key, filter_tag_key, filter_tag_value, start, end
SELECT
  CAST(BillingPeriodStart AS DATE) AS billing_period_start,
  ChargePeriodStart AS charge_period_start,
  ChargePeriodEnd AS charge_period_end,
  ProviderName AS provider,
  BillingAccountId AS billing_account,
  SubAccountId AS account,
  ServiceName AS service,
  ChargeCategory AS charge_category,
  ChargeDescription AS description,
  CAST(BilledCost AS DECIMAL(38, 10)) AS billed_cost,
  CAST(EffectiveCost AS DECIMAL(38, 10)) AS effective_cost,
  InvoiceId AS invoice_id
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
  ChargeClass = 'Correction'
  AND BillingPeriodStart >= ?
  AND BillingPeriodStart < ?
ORDER BY
  billing_period_start,
  charge_period_start,
  provider,
  billing_account,
  account NULLS FIRST,
  service,
  description,
  billed_cost,
  effective_cost,
  invoice_id NULLS FIRST
