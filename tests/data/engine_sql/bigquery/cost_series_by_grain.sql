-- parameters: account, dimension, dimension_tag_key, end, filter_tag_key, filter_tag_value, grain, provider, region, service, start
WITH scoped AS (
  SELECT
    CASE
      WHEN @grain = 'day'
      THEN TIMESTAMP_TRUNC(ChargePeriodStart, DAY)
      WHEN @grain = 'week'
      THEN TIMESTAMP_TRUNC(ChargePeriodStart, ISOWEEK)
      WHEN @grain = 'month'
      THEN TIMESTAMP_TRUNC(ChargePeriodStart, MONTH)
    END AS bucket_start,
    EffectiveCost,
    BilledCost,
    COALESCE(ChargeClass = 'Correction', FALSE) AS is_correction,
    COALESCE(
      NULLIF(
        TRIM(
          CASE @dimension
            WHEN 'total'
            THEN 'total'
            WHEN 'ProviderName'
            THEN cost_row.ProviderName
            WHEN 'ServiceName'
            THEN cost_row.ServiceName
            WHEN 'ServiceCategory'
            THEN cost_row.ServiceCategory
            WHEN 'SubAccountId'
            THEN cost_row.SubAccountId
            WHEN 'SubAccountName'
            THEN cost_row.SubAccountName
            WHEN 'BillingAccountId'
            THEN cost_row.BillingAccountId
            WHEN 'RegionId'
            THEN cost_row.RegionId
            WHEN 'ChargeCategory'
            THEN cost_row.ChargeCategory
            WHEN 'PricingCategory'
            THEN cost_row.PricingCategory
            WHEN 'ResourceId'
            THEN cost_row.ResourceId
            WHEN 'CommitmentDiscountId'
            THEN cost_row.CommitmentDiscountId
            WHEN 'x_UsageType'
            THEN cost_row.x_UsageType
            WHEN 'tag'
            THEN JSON_VALUE(cost_row.Tags[@dimension_tag_key])
          END
        ),
        ''
      ),
      CASE WHEN @dimension = 'tag' THEN '(untagged)' ELSE '(not set)' END
    ) AS value
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
), buckets AS (
  SELECT
    bucket_start,
    bucket_start + INTERVAL '1' DAY AS bucket_end
  FROM UNNEST(GENERATE_TIMESTAMP_ARRAY(
    TIMESTAMP_TRUNC(CAST(@start AS TIMESTAMP), DAY),
    CAST(@end AS TIMESTAMP) - INTERVAL '1' SECOND,
    INTERVAL '1' DAY
  )) AS bucket_start
  WHERE
    @grain = 'day'
  UNION ALL
  SELECT
    bucket_start,
    bucket_start + INTERVAL '7' DAY AS bucket_end
  FROM UNNEST(GENERATE_TIMESTAMP_ARRAY(
    TIMESTAMP_TRUNC(CAST(@start AS TIMESTAMP), ISOWEEK),
    CAST(@end AS TIMESTAMP) - INTERVAL '1' SECOND,
    INTERVAL '7' DAY
  )) AS bucket_start
  WHERE
    @grain = 'week'
  UNION ALL
  SELECT
    bucket_start,
    bucket_start + INTERVAL '1' MONTH AS bucket_end
  FROM UNNEST(ARRAY(
    SELECT
      CAST(d AS TIMESTAMP)
    FROM UNNEST(GENERATE_DATE_ARRAY(
      CAST(TIMESTAMP_TRUNC(CAST(@start AS TIMESTAMP), MONTH) AS DATE),
      CAST(CAST(@end AS TIMESTAMP) - INTERVAL '1' SECOND AS DATE),
      INTERVAL '1' MONTH
    )) AS d
  )) AS bucket_start
  WHERE
    NOT @grain IN ('day', 'week')
), vals AS (
  SELECT DISTINCT
    value
  FROM scoped
), summed AS (
  SELECT
    bucket_start,
    value,
    COALESCE(SUM(IF(NOT is_correction, EffectiveCost, NULL)), 0) AS effective_cost,
    COALESCE(SUM(IF(is_correction, EffectiveCost, NULL)), 0) AS corrections,
    COALESCE(SUM(IF(NOT is_correction, BilledCost, NULL)), 0) AS billed_cost,
    COUNT(*) AS `rows`
  FROM scoped
  GROUP BY ALL
)
SELECT
  CAST(b.bucket_start AS DATE) AS bucket_start,
  CAST(b.bucket_end AS DATE) AS bucket_end,
  v.value,
  CAST(COALESCE(s.effective_cost, 0) AS BIGNUMERIC) AS effective_cost,
  CAST(COALESCE(s.corrections, 0) AS BIGNUMERIC) AS corrections,
  CAST(COALESCE(s.billed_cost, 0) AS BIGNUMERIC) AS billed_cost,
  CAST(COALESCE(s.`rows`, 0) AS INT64) AS `rows`,
  (
    b.bucket_start < CAST(@start AS TIMESTAMP)
    OR b.bucket_end > CAST(@end AS TIMESTAMP)
  ) AS partial
FROM buckets AS b
CROSS JOIN vals AS v
LEFT JOIN summed AS s
  ON s.bucket_start = b.bucket_start AND s.value = v.value
ORDER BY
  b.bucket_start NULLS LAST,
  v.value NULLS LAST
