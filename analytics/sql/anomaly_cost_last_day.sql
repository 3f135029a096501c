-- Last charge day with judged cost (the rows anomaly_cost_by_day.sql groups) in [$start, $end),
-- NULL when there is none. One pass over the window, no grouping: the anomaly scan reads the daily
-- series itself once, this only bounds it.
SELECT max(ChargePeriodStart)::DATE AS last_day
FROM cost
WHERE ChargePeriodStart >= $start AND ChargePeriodStart < $end
  AND ChargeCategory = 'Usage'
  AND ChargeClass IS DISTINCT FROM 'Correction'
  AND coalesce(ChargeFrequency, 'Usage-Based') NOT IN ('One-Time', 'Recurring')
  AND CommitmentDiscountStatus IS DISTINCT FROM 'Unused'
