-- parameters: tag_key, provider, provider, service, service, account, account, region, region, filter_tag_key, filter_tag_value, filter_tag_key, filter_tag_key, filter_tag_value, start, end, shared_values, shared_services, shared_values
WITH scoped AS (
  SELECT
    EffectiveCost,
    NULLIF(TRIM(ELEMENT_AT(cost_row.Tags, ?)), '') AS tag_value,
    COALESCE(ChargeClass = 'Correction', FALSE) AS is_correction,
    ServiceName
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
), classified AS (
  SELECT
    EffectiveCost,
    CASE
      WHEN is_correction
      THEN 'correction'
      WHEN CONTAINS(CAST(? AS ARRAY(VARCHAR)), tag_value)
      OR CONTAINS(CAST(? AS ARRAY(VARCHAR)), ServiceName)
      THEN 'shared'
      WHEN NOT tag_value IS NULL
      THEN 'direct'
      ELSE 'unallocated'
    END AS kind,
    CASE
      WHEN CONTAINS(CAST(? AS ARRAY(VARCHAR)), tag_value)
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
GROUP BY
  kind,
  CASE kind WHEN 'direct' THEN tag_value WHEN 'shared' THEN shared_source END
ORDER BY
  kind,
  bucket NULLS FIRST
