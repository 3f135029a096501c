-- parameters: provider, provider, service, service, account, account, region, region, filter_tag_key, filter_tag_value, filter_tag_key, filter_tag_key, filter_tag_value, start, end
SELECT
  MIN(complete_through) AS complete_through
FROM (
  SELECT
    ProviderName,
    DATE_TRUNC('DAY', MAX(ChargePeriodEnd)) AS complete_through
  FROM (
    SELECT
      *
    FROM (
      SELECT
        cost.*
      FROM "focus"."costs" AS cost
      WHERE
        (
          ? IS NULL OR ProviderName = ?
        )
        AND (
          ? IS NULL OR ServiceName = ?
        )
        AND (
          ? IS NULL OR SubAccountId = ?
        )
        AND (
          ? IS NULL OR RegionId = ?
        )
        AND (
          ? IS NULL
          OR CASE
            WHEN ? IS NULL
            THEN NULLIF(TRIM(ELEMENT_AT(cost.Tags, ?)), '') IS NULL
            ELSE ELEMENT_AT(cost.Tags, ?) = ?
          END
        )
    ) AS cost_in_scope_any_date
    WHERE
      ChargePeriodStart >= ? AND ChargePeriodStart < ?
  ) AS cost_in_scope
  WHERE
    ChargeCategory = 'Usage'
    AND ChargePeriodEnd - ChargePeriodStart <= INTERVAL '1' DAY
  GROUP BY
    ProviderName
)
