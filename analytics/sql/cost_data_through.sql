-- The end of the last complete day of usage data in [$start, $end) for one scope (exclusive, UTC
-- midnight): per provider, the latest ChargePeriodEnd of usage rows with a charge period of a day
-- or shorter, truncated to the day (a half-delivered day does not count); then the earliest of
-- those, so a provider that delivers later is not forecast from a day it has not delivered yet.
-- Long-period rows (a one-year reservation purchase) never stretch it. NULL when the scope has no
-- usage in the window. Scope filters as in cost_change_by_dimension.sql.
SELECT min(complete_through) AS complete_through
FROM (
    SELECT ProviderName, date_trunc('day', max(ChargePeriodEnd)) AS complete_through
    FROM cost
    WHERE ChargeCategory = 'Usage'
      AND ChargePeriodStart >= $start AND ChargePeriodStart < $end
      AND ChargePeriodEnd - ChargePeriodStart <= INTERVAL 1 DAY
      AND ($provider IS NULL OR ProviderName = $provider)
      AND ($service IS NULL OR ServiceName = $service)
      AND ($account IS NULL OR SubAccountId = $account)
      AND ($region IS NULL OR RegionId = $region)
      AND ($filter_tag_key IS NULL OR CASE
               WHEN $filter_tag_value IS NULL
                   THEN nullif(trim(TRY_CAST(Tags AS MAP(VARCHAR, VARCHAR))[$filter_tag_key]), '') IS NULL
               ELSE TRY_CAST(Tags AS MAP(VARCHAR, VARCHAR))[$filter_tag_key] = $filter_tag_value
           END)
    GROUP BY ProviderName
)
