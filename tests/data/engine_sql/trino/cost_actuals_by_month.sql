-- parameters: start, end, provider, provider, service, service, account, account, region, region, filter_tag_key, filter_tag_value, filter_tag_key, filter_tag_key, filter_tag_value, as_of_end, start, end, start, end
WITH months AS (
  SELECT
    CAST(m AS TIMESTAMP WITH TIME ZONE) AS month_start,
    CAST((
      m + INTERVAL '1' MONTH
    ) AS TIMESTAMP WITH TIME ZONE) AS month_end
  FROM UNNEST(SEQUENCE(
    CAST(? AS DATE),
    CAST((
      CAST(? AS DATE) - INTERVAL '1' DAY
    ) AS DATE),
    INTERVAL '1' MONTH
  )) AS t(m)
), scoped AS (
  SELECT
    ChargePeriodStart,
    BillingPeriodStart,
    EffectiveCost,
    BilledCost,
    COALESCE(ChargeClass = 'Correction', FALSE) AS is_correction,
    ChargePeriodEnd - ChargePeriodStart > INTERVAL '1' DAY
    AND ChargeFrequency = 'Recurring' AS recurring_fixed
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
    ChargePeriodStart < ?
    AND (
      (
        ChargePeriodStart >= ? AND ChargePeriodStart < ?
      )
      OR (
        BillingPeriodStart >= ? AND BillingPeriodStart < ?
      )
    )
)
SELECT
  CAST(m.month_start AS DATE) AS month_start,
  CAST(m.month_end AS DATE) AS month_end,
  CAST(COALESCE(
    SUM(s.EffectiveCost) FILTER(WHERE
      s.ChargePeriodStart >= m.month_start AND s.ChargePeriodStart < m.month_end),
    0
  ) AS DECIMAL(38, 10)) AS effective_cost,
  CAST(COALESCE(
    SUM(s.EffectiveCost) FILTER(WHERE
      s.ChargePeriodStart >= m.month_start
      AND s.ChargePeriodStart < m.month_end
      AND s.is_correction),
    0
  ) AS DECIMAL(38, 10)) AS effective_corrections,
  CAST(COALESCE(
    SUM(s.EffectiveCost) FILTER(WHERE
      s.ChargePeriodStart >= m.month_start
      AND s.ChargePeriodStart < m.month_end
      AND s.recurring_fixed),
    0
  ) AS DECIMAL(38, 10)) AS effective_recurring,
  CAST(COALESCE(
    SUM(s.BilledCost) FILTER(WHERE
      s.BillingPeriodStart >= m.month_start AND s.BillingPeriodStart < m.month_end),
    0
  ) AS DECIMAL(38, 10)) AS billed_cost,
  CAST(COALESCE(
    SUM(s.BilledCost) FILTER(WHERE
      s.BillingPeriodStart >= m.month_start
      AND s.BillingPeriodStart < m.month_end
      AND s.is_correction),
    0
  ) AS DECIMAL(38, 10)) AS billed_corrections,
  CAST(COALESCE(
    SUM(s.BilledCost) FILTER(WHERE
      s.BillingPeriodStart >= m.month_start
      AND s.BillingPeriodStart < m.month_end
      AND s.recurring_fixed),
    0
  ) AS DECIMAL(38, 10)) AS billed_recurring
FROM months AS m
LEFT JOIN scoped AS s
  ON (
    s.ChargePeriodStart >= m.month_start AND s.ChargePeriodStart < m.month_end
  )
  OR (
    s.BillingPeriodStart >= m.month_start AND s.BillingPeriodStart < m.month_end
  )
GROUP BY
  m.month_start,
  m.month_end
ORDER BY
  m.month_start
