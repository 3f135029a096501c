-- parameters: grain, dimension, dimension_tag_key, dimension, provider, provider, service, service, account, account, region, region, filter_tag_key, filter_tag_value, filter_tag_key, filter_tag_key, filter_tag_value, start, end, start, end, grain, start, end, grain, start, end, grain, start, end
WITH scoped AS (
  SELECT
    DATE_TRUNC(?, ChargePeriodStart) AS bucket_start,
    EffectiveCost,
    BilledCost,
    COALESCE(ChargeClass = 'Correction', FALSE) AS is_correction,
    COALESCE(
      NULLIF(
        TRIM(
          CASE ?
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
            THEN ELEMENT_AT(cost_row.Tags, ?)
          END
        ),
        ''
      ),
      CASE WHEN ? = 'tag' THEN '(untagged)' ELSE '(not set)' END
    ) AS value
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
), buckets AS (
  SELECT
    t.bucket_start,
    t.bucket_start + INTERVAL '1' DAY AS bucket_end
  FROM UNNEST(SEQUENCE(
    DATE_TRUNC('DAY', CAST(? AS TIMESTAMP WITH TIME ZONE)),
    CAST(? AS TIMESTAMP WITH TIME ZONE) - INTERVAL '1' SECOND,
    INTERVAL '1' DAY
  )) AS t(bucket_start)
  WHERE
    ? = 'day'
  UNION ALL
  SELECT
    t.bucket_start,
    t.bucket_start + INTERVAL '7' DAY AS bucket_end
  FROM UNNEST(SEQUENCE(
    DATE_TRUNC('WEEK', CAST(? AS TIMESTAMP WITH TIME ZONE)),
    CAST(? AS TIMESTAMP WITH TIME ZONE) - INTERVAL '1' SECOND,
    INTERVAL '7' DAY
  )) AS t(bucket_start)
  WHERE
    ? = 'week'
  UNION ALL
  SELECT
    t.bucket_start,
    t.bucket_start + INTERVAL '1' MONTH AS bucket_end
  FROM UNNEST(SEQUENCE(
    DATE_TRUNC('MONTH', CAST(? AS TIMESTAMP WITH TIME ZONE)),
    CAST(? AS TIMESTAMP WITH TIME ZONE) - INTERVAL '1' SECOND,
    INTERVAL '1' MONTH
  )) AS t(bucket_start)
  WHERE
    NOT ? IN ('day', 'week')
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
  GROUP BY
    bucket_start,
    value
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
    b.bucket_start < CAST(? AS TIMESTAMP WITH TIME ZONE)
    OR b.bucket_end > CAST(? AS TIMESTAMP WITH TIME ZONE)
  ) AS partial
FROM buckets AS b
CROSS JOIN vals AS v
LEFT JOIN summed AS s
  ON s.bucket_start = b.bucket_start AND s.value = v.value
ORDER BY
  b.bucket_start,
  v.value
