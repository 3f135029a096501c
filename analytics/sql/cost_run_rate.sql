-- Daily run-rate inputs for one scope: Σ EffectiveCost and Σ BilledCost of rows whose charge
-- period is a day or shorter (usage-based rows; monthly fees and tax are not extrapolated) charged
-- in [$rate_start, $rate_end), with the first and last day that has such rows.
-- Scope filters as in cost_change_by_dimension.sql.
SELECT coalesce(sum(EffectiveCost), 0)::DECIMAL(38, 10) AS effective_cost,
       coalesce(sum(BilledCost), 0)::DECIMAL(38, 10) AS billed_cost,
       min(ChargePeriodStart)::DATE AS first_day,
       max(ChargePeriodStart)::DATE AS last_day,
       count(DISTINCT ChargePeriodStart::DATE) AS days_with_data
FROM cost
WHERE ChargePeriodStart >= $rate_start AND ChargePeriodStart < $rate_end
  AND ChargePeriodEnd - ChargePeriodStart <= INTERVAL 1 DAY
  AND NOT coalesce(ChargeClass = 'Correction', false)
  AND ($provider IS NULL OR ProviderName = $provider)
  AND ($service IS NULL OR ServiceName = $service)
  AND ($account IS NULL OR SubAccountId = $account)
  AND ($region IS NULL OR RegionId = $region)
  AND ($filter_tag_key IS NULL OR CASE
           WHEN $filter_tag_value IS NULL
               THEN nullif(trim(TRY_CAST(Tags AS MAP(VARCHAR, VARCHAR))[$filter_tag_key]), '') IS NULL
           ELSE TRY_CAST(Tags AS MAP(VARCHAR, VARCHAR))[$filter_tag_key] = $filter_tag_value
       END)
