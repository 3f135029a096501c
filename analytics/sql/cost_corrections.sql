-- Corrections to closed billing periods (ChargeClass = 'Correction') billed in [$start, $end) — by
-- BillingPeriodStart, i.e. the invoice they arrived on — with the charge period they correct, so a
-- review can report them on their own line and say which earlier period they restate.
-- Scope filters as in cost_change_by_dimension.sql.
SELECT BillingPeriodStart::DATE AS billing_period_start,
       ChargePeriodStart AS charge_period_start,
       ChargePeriodEnd AS charge_period_end,
       ProviderName AS provider,
       BillingAccountId AS billing_account,
       SubAccountId AS account,
       ServiceName AS service,
       ChargeCategory AS charge_category,
       ChargeDescription AS description,
       BilledCost::DECIMAL(38, 10) AS billed_cost,
       EffectiveCost::DECIMAL(38, 10) AS effective_cost,
       InvoiceId AS invoice_id
FROM cost
WHERE ChargeClass = 'Correction'
  AND BillingPeriodStart >= $start AND BillingPeriodStart < $end
  AND ($provider IS NULL OR ProviderName = $provider)
  AND ($service IS NULL OR ServiceName = $service)
  AND ($account IS NULL OR SubAccountId = $account)
  AND ($region IS NULL OR RegionId = $region)
  AND ($filter_tag_key IS NULL OR CASE
           WHEN $filter_tag_value IS NULL
               THEN nullif(trim(TRY_CAST(Tags AS MAP(VARCHAR, VARCHAR))[$filter_tag_key]), '') IS NULL
           ELSE TRY_CAST(Tags AS MAP(VARCHAR, VARCHAR))[$filter_tag_key] = $filter_tag_value
       END)
ORDER BY billing_period_start, charge_period_start, provider, billing_account, account NULLS FIRST, service,
         description, billed_cost, effective_cost, invoice_id NULLS FIRST
