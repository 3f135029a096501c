-- parameters: account, as_of_end, end, filter_tag_key, filter_tag_value, provider, region, service, start
WITH months AS (
  SELECT
    CAST(m AS TIMESTAMP) AS month_start,
    CAST((
      m + INTERVAL '1' MONTH
    ) AS TIMESTAMP) AS month_end
  FROM EXPLODE(
    SEQUENCE(
      CAST(:start AS DATE),
      CAST((
        CAST(:end AS DATE) - INTERVAL '1' DAY
      ) AS DATE),
      INTERVAL '1' MONTH
    )
  ) AS t(m)
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
    ChargePeriodStart < :as_of_end
    AND (
      (
        ChargePeriodStart >= :start AND ChargePeriodStart < :end
      )
      OR (
        BillingPeriodStart >= :start AND BillingPeriodStart < :end
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
  m.month_start NULLS LAST
