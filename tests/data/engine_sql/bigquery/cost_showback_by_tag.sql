-- parameters: account, end, filter_tag_key, filter_tag_value, provider, region, service, shared_services, shared_values, start, tag_key
WITH scoped AS (
  SELECT
    EffectiveCost,
    NULLIF(TRIM(JSON_VALUE(cost_row.Tags[@tag_key])), '') AS tag_value,
    COALESCE(ChargeClass = 'Correction', FALSE) AS is_correction,
    ServiceName
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
  ) AS cost_row
), classified AS (
  SELECT
    EffectiveCost,
    CASE
      WHEN is_correction
      THEN 'correction'
      WHEN EXISTS(
        SELECT
          1
        FROM UNNEST(CAST(@shared_values AS ARRAY<STRING>)) AS _col
        WHERE
          _col = tag_value
      )
      OR EXISTS(
        SELECT
          1
        FROM UNNEST(CAST(@shared_services AS ARRAY<STRING>)) AS _col
        WHERE
          _col = ServiceName
      )
      THEN 'shared'
      WHEN NOT tag_value IS NULL
      THEN 'direct'
      ELSE 'unallocated'
    END AS kind,
    CASE
      WHEN EXISTS(
        SELECT
          1
        FROM UNNEST(CAST(@shared_values AS ARRAY<STRING>)) AS _col
        WHERE
          _col = tag_value
      )
      THEN tag_value
      ELSE ServiceName
    END AS shared_source,
    tag_value
  FROM scoped
)
SELECT
  kind,
  CASE kind WHEN 'direct' THEN tag_value WHEN 'shared' THEN shared_source END AS bucket,
  CAST(SUM(EffectiveCost) AS BIGNUMERIC) AS cost,
  COUNT(*) AS `rows`
FROM classified
GROUP BY ALL
ORDER BY
  kind NULLS LAST,
  bucket
