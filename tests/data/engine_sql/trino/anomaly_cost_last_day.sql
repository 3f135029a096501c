-- parameters: start, end
SELECT
  CAST(MAX(ChargePeriodStart) AS DATE) AS last_day
FROM "focus"."costs" AS cost
WHERE
  ChargePeriodStart >= ?
  AND ChargePeriodStart < ?
  AND ChargeCategory = 'Usage'
  AND ChargeClass IS DISTINCT FROM 'Correction'
  AND NOT COALESCE(ChargeFrequency, 'Usage-Based') IN ('One-Time', 'Recurring')
  AND CommitmentDiscountStatus IS DISTINCT FROM 'Unused'
