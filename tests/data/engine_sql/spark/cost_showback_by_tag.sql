-- parameters: account, end, filter_tag_key, filter_tag_value, provider, region, service, shared_services, shared_values, start, tag_key
WITH scoped AS (
  SELECT
    EffectiveCost,
    NULLIF(TRIM(TRY_ELEMENT_AT(FROM_JSON(cost_row.Tags, 'MAP<STRING,STRING>'), :tag_key)), '') AS tag_value,
    COALESCE(ChargeClass = 'Correction', FALSE) AS is_correction,
    ServiceName
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
), classified AS (
  SELECT
    EffectiveCost,
    CASE
      WHEN is_correction
      THEN 'correction'
      WHEN ARRAY_CONTAINS(CAST(:shared_values AS ARRAY<STRING>), tag_value)
      OR ARRAY_CONTAINS(CAST(:shared_services AS ARRAY<STRING>), ServiceName)
      THEN 'shared'
      WHEN NOT tag_value IS NULL
      THEN 'direct'
      ELSE 'unallocated'
    END AS kind,
    CASE
      WHEN ARRAY_CONTAINS(CAST(:shared_values AS ARRAY<STRING>), tag_value)
      THEN tag_value
      ELSE ServiceName
    END AS shared_source,
    tag_value
  FROM scoped
)
SELECT
  kind,
  CASE kind WHEN 'direct' THEN tag_value WHEN 'shared' THEN shared_source END AS bucket,
  CAST(SUM(EffectiveCost) AS DECIMAL(38, 10)) AS cost,
  COUNT(*) AS rows
FROM classified
GROUP BY ALL
ORDER BY
  kind NULLS LAST,
  bucket
