-- parameters: grain, cost_tag_key, provider, provider, service, service, account, account, region, region, filter_tag_key, filter_tag_value, filter_tag_key, filter_tag_key, filter_tag_value, start, end, grain
WITH scoped AS (
  SELECT
    CAST(DATE_TRUNC(?, ChargePeriodStart) AS DATE) AS bucket_start,
    NULLIF(TRIM(ELEMENT_AT(cost_row.Tags, ?)), '') AS dimension,
    EffectiveCost
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
  ) AS cost_row
  WHERE
    NOT COALESCE(ChargeClass = 'Correction', FALSE)
    AND (
      ? <> 'day' OR ChargePeriodEnd - ChargePeriodStart <= INTERVAL '1' DAY
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
  bucket_start,
  dimension
