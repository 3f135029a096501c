-- parameters: account, cost_tag_key, end, filter_tag_key, filter_tag_value, grain, provider, region, service, start
WITH scoped AS (
  SELECT
    CAST(DATE_TRUNC(:grain, ChargePeriodStart) AS DATE) AS bucket_start,
    NULLIF(
      TRIM(TRY_ELEMENT_AT(FROM_JSON(cost_row.Tags, 'MAP<STRING,STRING>'), :cost_tag_key)),
      ''
    ) AS dimension,
    EffectiveCost
  FROM (
    SELECT
      *
    FROM (
      SELECT
        cost.*
      FROM `focus_cost` AS cost
      WHERE
        (
          :provider IS NULL OR ProviderName = :provider
        )
        AND (
          :service IS NULL OR ServiceName = :service
        )
        AND (
          :account IS NULL OR SubAccountId = :account
        )
        AND (
          :region IS NULL OR RegionId = :region
        )
        AND (
          :filter_tag_key IS NULL
          OR CASE
            WHEN :filter_tag_value IS NULL
            THEN NULLIF(
              TRIM(TRY_ELEMENT_AT(FROM_JSON(cost.Tags, 'MAP<STRING,STRING>'), :filter_tag_key)),
              ''
            ) IS NULL
            ELSE TRY_ELEMENT_AT(FROM_JSON(cost.Tags, 'MAP<STRING,STRING>'), :filter_tag_key) = :filter_tag_value
          END
        )
    ) AS cost_in_scope_any_date
    WHERE
      ChargePeriodStart >= :start AND ChargePeriodStart < :end
  ) AS cost_row
  WHERE
    NOT COALESCE(ChargeClass = 'Correction', FALSE)
    AND (
      :grain <> 'day' OR ChargePeriodEnd - ChargePeriodStart <= INTERVAL '1' DAY
    )
)
SELECT
  bucket_start,
  dimension,
  CAST(SUM(EffectiveCost) AS DECIMAL(38, 10)) AS cost,
  COUNT(*) AS cost_rows
FROM scoped
WHERE
  NOT dimension IS NULL
GROUP BY
  bucket_start,
  dimension
UNION ALL
SELECT
  bucket_start,
  '' AS dimension,
  CAST(SUM(EffectiveCost) AS DECIMAL(38, 10)) AS cost,
  COUNT(*) AS cost_rows
FROM scoped
GROUP BY
  bucket_start
ORDER BY
  bucket_start NULLS LAST,
  dimension NULLS LAST
