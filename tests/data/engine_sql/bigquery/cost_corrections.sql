-- parameters: account, end, filter_tag_key, filter_tag_value, provider, region, service, start
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
  CAST(BilledCost AS BIGNUMERIC) AS billed_cost,
  CAST(EffectiveCost AS BIGNUMERIC) AS effective_cost,
  InvoiceId AS invoice_id
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
  ChargeClass = 'Correction'
  AND BillingPeriodStart >= @start
  AND BillingPeriodStart < @end
ORDER BY
  billing_period_start NULLS LAST,
  charge_period_start NULLS LAST,
  provider NULLS LAST,
  billing_account NULLS LAST,
  account,
  service NULLS LAST,
  description NULLS LAST,
  billed_cost NULLS LAST,
  effective_cost NULLS LAST,
  invoice_id
