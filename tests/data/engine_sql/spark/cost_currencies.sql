-- parameters: end, start
SELECT
  BillingCurrency AS currency,
  COUNT(*) AS rows
FROM `focus_cost` AS cost
WHERE
  (
    ChargePeriodStart >= :start AND ChargePeriodStart < :end
  )
  OR (
    BillingPeriodStart >= :start AND BillingPeriodStart < :end
  )
GROUP BY
  BillingCurrency
ORDER BY
  BillingCurrency NULLS LAST
