-- parameters: account, dimension, dimension_tag_key, end, filter_tag_key, filter_tag_value, grain, provider, region, service, start
WITH scoped AS (
  SELECT
    DATE_TRUNC(:grain, ChargePeriodStart) AS bucket_start,
    EffectiveCost,
    BilledCost,
    COALESCE(ChargeClass = 'Correction', FALSE) AS is_correction,
    COALESCE(
      NULLIF(
        TRIM(
          CASE :dimension
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
            THEN TRY_ELEMENT_AT(FROM_JSON(cost_row.Tags, 'MAP<STRING,STRING>'), :dimension_tag_key)
          END
        ),
        ''
      ),
      CASE WHEN :dimension = 'tag' THEN '(untagged)' ELSE '(not set)' END
    ) AS value
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
), buckets AS (
  SELECT
    t.bucket_start,
    t.bucket_start + INTERVAL '1' DAY AS bucket_end
  FROM EXPLODE(
    SEQUENCE(
      DATE_TRUNC('DAY', CAST(:start AS TIMESTAMP)),
      CAST(:end AS TIMESTAMP) - INTERVAL '1' SECOND,
      INTERVAL '1' DAY
    )
  ) AS t(bucket_start)
  WHERE
    :grain = 'day'
  UNION ALL
  SELECT
    t.bucket_start,
    t.bucket_start + INTERVAL '7' DAY AS bucket_end
  FROM EXPLODE(
    SEQUENCE(
      DATE_TRUNC('WEEK', CAST(:start AS TIMESTAMP)),
      CAST(:end AS TIMESTAMP) - INTERVAL '1' SECOND,
      INTERVAL '7' DAY
    )
  ) AS t(bucket_start)
  WHERE
    :grain = 'week'
  UNION ALL
  SELECT
    t.bucket_start,
    t.bucket_start + INTERVAL '1' MONTH AS bucket_end
  FROM EXPLODE(
    SEQUENCE(
      DATE_TRUNC('MONTH', CAST(:start AS TIMESTAMP)),
      CAST(:end AS TIMESTAMP) - INTERVAL '1' SECOND,
      INTERVAL '1' MONTH
    )
  ) AS t(bucket_start)
  WHERE
    NOT :grain IN ('day', 'week')
), vals AS (
  SELECT DISTINCT
    value
  FROM scoped
), summed AS (
  SELECT
    bucket_start,
    value,
    COALESCE(SUM(EffectiveCost) FILTER(WHERE
      NOT is_correction), 0) AS effective_cost,
    COALESCE(SUM(EffectiveCost) FILTER(WHERE
      is_correction), 0) AS corrections,
    COALESCE(SUM(BilledCost) FILTER(WHERE
      NOT is_correction), 0) AS billed_cost,
    COUNT(*) AS rows
  FROM scoped
  GROUP BY ALL
)
SELECT
  CAST(b.bucket_start AS DATE) AS bucket_start,
  CAST(b.bucket_end AS DATE) AS bucket_end,
  v.value,
  CAST(COALESCE(s.effective_cost, 0) AS DECIMAL(38, 10)) AS effective_cost,
  CAST(COALESCE(s.corrections, 0) AS DECIMAL(38, 10)) AS corrections,
  CAST(COALESCE(s.billed_cost, 0) AS DECIMAL(38, 10)) AS billed_cost,
  CAST(COALESCE(s.rows, 0) AS BIGINT) AS rows,
  (
    b.bucket_start < CAST(:start AS TIMESTAMP)
    OR b.bucket_end > CAST(:end AS TIMESTAMP)
  ) AS partial
FROM buckets AS b
CROSS JOIN vals AS v
LEFT JOIN summed AS s
  ON s.bucket_start = b.bucket_start AND s.value = v.value
ORDER BY
  b.bucket_start NULLS LAST,
  v.value NULLS LAST
