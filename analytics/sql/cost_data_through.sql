-- The end of the last complete day of usage data in [$start, $end) for one scope (exclusive, UTC
-- midnight): per provider, the latest ChargePeriodEnd of usage rows with a charge period of a day
-- or shorter, truncated to the day (a half-delivered day does not count); then the earliest of
-- those, so a provider that delivers later is not forecast from a day it has not delivered yet.
-- Long-period rows (a one-year reservation purchase) never stretch it. NULL when the scope has no
-- usage in the window. Scope and window: the cost_in_scope macro (migration 0006).
SELECT min(complete_through) AS complete_through
FROM (
    SELECT ProviderName, date_trunc('day', max(ChargePeriodEnd)) AS complete_through
    FROM cost_in_scope($start, $end, $provider, $service, $account, $region, $filter_tag_key, $filter_tag_value)
    WHERE ChargeCategory = 'Usage'
      AND ChargePeriodEnd - ChargePeriodStart <= INTERVAL 1 DAY
    GROUP BY ProviderName
)
