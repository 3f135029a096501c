-- parameters: account, end, filter_tag_key, filter_tag_value, provider, region, service, start
SELECT
  MIN(complete_through) AS complete_through
FROM (
  SELECT
    ProviderName,
    TIMESTAMP_TRUNC(MAX(ChargePeriodEnd), DAY) AS complete_through
  FROM (
    SELECT
      *
    FROM (
      SELECT
        cost.*
      FROM `billing-prod`.`focus`.`costs` AS cost
      WHERE
        (
          @provider IS NULL OR ProviderName = @provider
        )
        AND (
          @service IS NULL OR ServiceName = @service
        )
        AND (
          @account IS NULL OR SubAccountId = @account
        )
        AND (
          @region IS NULL OR RegionId = @region
        )
        AND (
          @filter_tag_key IS NULL
          OR CASE
            WHEN @filter_tag_value IS NULL
            THEN NULLIF(TRIM(JSON_VALUE(cost.Tags[@filter_tag_key])), '') IS NULL
            ELSE JSON_VALUE(cost.Tags[@filter_tag_key]) = @filter_tag_value
          END
        )
    ) AS cost_in_scope_any_date
    WHERE
      ChargePeriodStart >= @start AND ChargePeriodStart < @end
  ) AS cost_in_scope
  WHERE
    ChargeCategory = 'Usage'
    AND ChargePeriodEnd - ChargePeriodStart <= INTERVAL '1' DAY
  GROUP BY
    ProviderName
)
