-- Corrections to closed billing periods (ChargeClass = 'Correction') billed in [$start, $end) — by
-- BillingPeriodStart, i.e. the invoice they arrived on — with the charge period they correct, so a
-- review can report them on their own line and say which earlier period they restate.
-- Scope filters: the cost_in_scope_any_date macro (migration 0006); the billing period is bounded here.
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
FROM cost_in_scope_any_date($provider, $service, $account, $region, $filter_tag_key, $filter_tag_value)
WHERE ChargeClass = 'Correction'
  AND BillingPeriodStart >= $start AND BillingPeriodStart < $end
ORDER BY billing_period_start, charge_period_start, provider, billing_account, account NULLS FIRST, service,
         description, billed_cost, effective_cost, invoice_id NULLS FIRST
