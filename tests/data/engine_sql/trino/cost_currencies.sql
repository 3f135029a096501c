-- parameters: start, end, start, end
SELECT
  BillingCurrency AS currency,
  COUNT(*) AS rows
FROM "focus"."costs" AS cost
WHERE
  (
    ChargePeriodStart >= ? AND ChargePeriodStart < ?
  )
  OR (
    BillingPeriodStart >= ? AND BillingPeriodStart < ?
  )
GROUP BY
  BillingCurrency
ORDER BY
  BillingCurrency
