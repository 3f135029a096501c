-- parameters: end, start
SELECT
  BillingCurrency AS currency,
  COUNT(*) AS `rows`
FROM `billing-prod`.`focus`.`costs` AS cost
WHERE
  (
    ChargePeriodStart >= @start AND ChargePeriodStart < @end
  )
  OR (
    BillingPeriodStart >= @start AND BillingPeriodStart < @end
  )
GROUP BY
  currency
ORDER BY
  BillingCurrency NULLS LAST
