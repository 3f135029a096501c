-- The billing currencies of cost rows whose ChargePeriodStart or BillingPeriodStart lies in
-- [$start, $end): a sum over more than one currency needs a rate table first.
SELECT BillingCurrency AS currency, count(*) AS rows
FROM cost
WHERE (ChargePeriodStart >= $start AND ChargePeriodStart < $end)
   OR (BillingPeriodStart >= $start AND BillingPeriodStart < $end)
GROUP BY BillingCurrency
ORDER BY BillingCurrency
