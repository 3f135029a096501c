-- Daily run-rate inputs for one scope: Σ EffectiveCost and Σ BilledCost of rows whose charge
-- period is a day or shorter (usage-based rows; monthly fees and tax are not extrapolated) charged
-- in [$rate_start, $rate_end), with the first and last day that has such rows.
-- Scope and window: the cost_in_scope macro (migration 0006).
SELECT coalesce(sum(EffectiveCost), 0)::DECIMAL(38, 10) AS effective_cost,
       coalesce(sum(BilledCost), 0)::DECIMAL(38, 10) AS billed_cost,
       min(ChargePeriodStart)::DATE AS first_day,
       max(ChargePeriodStart)::DATE AS last_day,
       count(DISTINCT ChargePeriodStart::DATE) AS days_with_data
FROM cost_in_scope($rate_start, $rate_end, $provider, $service, $account, $region, $filter_tag_key, $filter_tag_value)
WHERE ChargePeriodEnd - ChargePeriodStart <= INTERVAL 1 DAY
  AND NOT coalesce(ChargeClass = 'Correction', false)
