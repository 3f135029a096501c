-- parameters: end, start
SELECT
  CAST(MAX(ChargePeriodStart) AS DATE) AS last_day
FROM `focus_cost` AS cost
WHERE
  ChargePeriodStart >= :start
  AND ChargePeriodStart < :end
  AND ChargeCategory = 'Usage'
  AND ChargeClass IS DISTINCT FROM 'Correction'
  AND NOT COALESCE(ChargeFrequency, 'Usage-Based') IN ('One-Time', 'Recurring')
  AND CommitmentDiscountStatus IS DISTINCT FROM 'Unused'
