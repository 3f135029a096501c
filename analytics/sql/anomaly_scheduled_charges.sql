-- Scheduled or expected charges with ChargePeriodStart in [$start, $end): every row cost anomaly
-- detection does not judge (see anomaly_cost_by_day.sql), one line per kind, provider, service,
-- description and charge month, so a month of daily unused-commitment rows is one line. Provider and
-- service as in anomaly_cost_by_day.sql (the cost_dimension_value macro, '(not set)' when blank).
WITH rows AS (
    SELECT CASE WHEN ChargeClass = 'Correction' THEN 'correction of a closed period'
                WHEN ChargeCategory = 'Purchase' AND ChargeFrequency = 'One-Time' THEN 'one-time purchase'
                WHEN ChargeCategory = 'Purchase' THEN 'recurring fee or purchase'
                WHEN ChargeCategory = 'Tax' THEN 'tax'
                WHEN ChargeCategory = 'Credit' THEN 'credit'
                WHEN ChargeCategory = 'Adjustment' THEN 'adjustment'
                WHEN CommitmentDiscountStatus = 'Unused' THEN 'unused commitment'
                WHEN ChargeFrequency = 'Recurring' THEN 'recurring usage fee'
                WHEN ChargeFrequency = 'One-Time' THEN 'one-time usage charge'
                ELSE 'other non-usage charge' END AS kind,
           cost_dimension_value('ProviderName', NULL, c) AS provider,
           cost_dimension_value('ServiceName', NULL, c) AS service,
           coalesce(ChargeDescription, '') AS description,
           date_trunc('month', ChargePeriodStart)::DATE AS month,
           ChargePeriodStart, ChargePeriodEnd, BilledCost::DOUBLE AS billed, EffectiveCost::DOUBLE AS effective
    FROM cost AS c
    WHERE ChargePeriodStart >= $start AND ChargePeriodStart < $end
      AND NOT (ChargeCategory = 'Usage'
               AND ChargeClass IS DISTINCT FROM 'Correction'
               AND coalesce(ChargeFrequency, 'Usage-Based') NOT IN ('One-Time', 'Recurring')
               AND CommitmentDiscountStatus IS DISTINCT FROM 'Unused')
)
SELECT kind, provider, service, description, month,
       min(ChargePeriodStart)::DATE AS first_day,
       (max(ChargePeriodEnd) - INTERVAL 1 SECOND)::DATE AS last_day,
       count(*) AS row_count,
       sum(billed) AS billed_cost,
       sum(effective) AS effective_cost
FROM rows
GROUP BY ALL
ORDER BY month, first_day, provider, kind, service, description
