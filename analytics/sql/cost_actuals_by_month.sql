-- Actual cost per calendar month of [$start, $end) for one scope, on both bases, counting only
-- rows charged before $as_of_end (the end of the last complete day; lets a report look at a month
-- in progress). EffectiveCost is assigned to the month of ChargePeriodStart, BilledCost to the
-- month of BillingPeriodStart (the invoice). Also: the part charged by corrections, and the
-- recurring charges with a charge period longer than a day (monthly fees, tax) that a forecast
-- carries into months that have not started. Scope filters: the cost_in_scope_any_date macro
-- (migration 0006; both date columns are bounded here).
WITH months AS (
    SELECT m::TIMESTAMPTZ AS month_start, (m + INTERVAL 1 MONTH)::TIMESTAMPTZ AS month_end
    FROM unnest(generate_series($start::DATE, ($end::DATE - INTERVAL 1 DAY)::DATE, INTERVAL 1 MONTH)) t(m)
),
scoped AS (
    SELECT ChargePeriodStart,
           BillingPeriodStart,
           EffectiveCost,
           BilledCost,
           coalesce(ChargeClass = 'Correction', false) AS is_correction,
           ChargePeriodEnd - ChargePeriodStart > INTERVAL 1 DAY AND ChargeFrequency = 'Recurring' AS recurring_fixed
    FROM cost_in_scope_any_date($provider, $service, $account, $region, $filter_tag_key, $filter_tag_value)
    WHERE ChargePeriodStart < $as_of_end
      AND ((ChargePeriodStart >= $start AND ChargePeriodStart < $end)
           OR (BillingPeriodStart >= $start AND BillingPeriodStart < $end))
)
SELECT m.month_start::DATE AS month_start,
       m.month_end::DATE AS month_end,
       coalesce(sum(s.EffectiveCost) FILTER (WHERE s.ChargePeriodStart >= m.month_start
                                             AND s.ChargePeriodStart < m.month_end), 0)::DECIMAL(38, 10)
           AS effective_cost,
       coalesce(sum(s.EffectiveCost) FILTER (WHERE s.ChargePeriodStart >= m.month_start
                                             AND s.ChargePeriodStart < m.month_end
                                             AND s.is_correction), 0)::DECIMAL(38, 10) AS effective_corrections,
       coalesce(sum(s.EffectiveCost) FILTER (WHERE s.ChargePeriodStart >= m.month_start
                                             AND s.ChargePeriodStart < m.month_end
                                             AND s.recurring_fixed), 0)::DECIMAL(38, 10) AS effective_recurring,
       coalesce(sum(s.BilledCost) FILTER (WHERE s.BillingPeriodStart >= m.month_start
                                          AND s.BillingPeriodStart < m.month_end), 0)::DECIMAL(38, 10)
           AS billed_cost,
       coalesce(sum(s.BilledCost) FILTER (WHERE s.BillingPeriodStart >= m.month_start
                                          AND s.BillingPeriodStart < m.month_end
                                          AND s.is_correction), 0)::DECIMAL(38, 10) AS billed_corrections,
       coalesce(sum(s.BilledCost) FILTER (WHERE s.BillingPeriodStart >= m.month_start
                                          AND s.BillingPeriodStart < m.month_end
                                          AND s.recurring_fixed), 0)::DECIMAL(38, 10) AS billed_recurring
FROM months m
LEFT JOIN scoped s ON (s.ChargePeriodStart >= m.month_start AND s.ChargePeriodStart < m.month_end)
                   OR (s.BillingPeriodStart >= m.month_start AND s.BillingPeriodStart < m.month_end)
GROUP BY m.month_start, m.month_end
ORDER BY m.month_start
