-- parameters: end, start
WITH rows AS (
  SELECT
    CASE
      WHEN ChargeClass = 'Correction'
      THEN 'correction of a closed period'
      WHEN ChargeCategory = 'Purchase' AND ChargeFrequency = 'One-Time'
      THEN 'one-time purchase'
      WHEN ChargeCategory = 'Purchase'
      THEN 'recurring fee or purchase'
      WHEN ChargeCategory = 'Tax'
      THEN 'tax'
      WHEN ChargeCategory = 'Credit'
      THEN 'credit'
      WHEN ChargeCategory = 'Adjustment'
      THEN 'adjustment'
      WHEN CommitmentDiscountStatus = 'Unused'
      THEN 'unused commitment'
      WHEN ChargeFrequency = 'Recurring'
      THEN 'recurring usage fee'
      WHEN ChargeFrequency = 'One-Time'
      THEN 'one-time usage charge'
      ELSE 'other non-usage charge'
    END AS kind,
    COALESCE(
      NULLIF(
        TRIM(
          CASE 'ProviderName'
            WHEN 'total'
            THEN 'total'
            WHEN 'ProviderName'
            THEN c.ProviderName
            WHEN 'ServiceName'
            THEN c.ServiceName
            WHEN 'ServiceCategory'
            THEN c.ServiceCategory
            WHEN 'SubAccountId'
            THEN c.SubAccountId
            WHEN 'SubAccountName'
            THEN c.SubAccountName
            WHEN 'BillingAccountId'
            THEN c.BillingAccountId
            WHEN 'RegionId'
            THEN c.RegionId
            WHEN 'ChargeCategory'
            THEN c.ChargeCategory
            WHEN 'PricingCategory'
            THEN c.PricingCategory
            WHEN 'ResourceId'
            THEN c.ResourceId
            WHEN 'CommitmentDiscountId'
            THEN c.CommitmentDiscountId
            WHEN 'x_UsageType'
            THEN c.x_UsageType
            WHEN 'tag'
            THEN NULL
          END
        ),
        ''
      ),
      CASE WHEN 'ProviderName' = 'tag' THEN '(untagged)' ELSE '(not set)' END
    ) AS provider,
    COALESCE(
      NULLIF(
        TRIM(
          CASE 'ServiceName'
            WHEN 'total'
            THEN 'total'
            WHEN 'ProviderName'
            THEN c.ProviderName
            WHEN 'ServiceName'
            THEN c.ServiceName
            WHEN 'ServiceCategory'
            THEN c.ServiceCategory
            WHEN 'SubAccountId'
            THEN c.SubAccountId
            WHEN 'SubAccountName'
            THEN c.SubAccountName
            WHEN 'BillingAccountId'
            THEN c.BillingAccountId
            WHEN 'RegionId'
            THEN c.RegionId
            WHEN 'ChargeCategory'
            THEN c.ChargeCategory
            WHEN 'PricingCategory'
            THEN c.PricingCategory
            WHEN 'ResourceId'
            THEN c.ResourceId
            WHEN 'CommitmentDiscountId'
            THEN c.CommitmentDiscountId
            WHEN 'x_UsageType'
            THEN c.x_UsageType
            WHEN 'tag'
            THEN NULL
          END
        ),
        ''
      ),
      CASE WHEN 'ServiceName' = 'tag' THEN '(untagged)' ELSE '(not set)' END
    ) AS service,
    COALESCE(ChargeDescription, '') AS description,
    CAST(DATE_TRUNC('MONTH', ChargePeriodStart) AS DATE) AS month,
    ChargePeriodStart,
    ChargePeriodEnd,
    CAST(BilledCost AS DOUBLE) AS billed,
    CAST(EffectiveCost AS DOUBLE) AS effective
  FROM `focus_cost` AS c
  WHERE
    ChargePeriodStart >= :start
    AND ChargePeriodStart < :end
    AND NOT (
      ChargeCategory = 'Usage'
      AND ChargeClass IS DISTINCT FROM 'Correction'
      AND NOT COALESCE(ChargeFrequency, 'Usage-Based') IN ('One-Time', 'Recurring')
      AND CommitmentDiscountStatus IS DISTINCT FROM 'Unused'
    )
)
SELECT
  kind,
  provider,
  service,
  description,
  month,
  CAST(MIN(ChargePeriodStart) AS DATE) AS first_day,
  CAST((
    MAX(ChargePeriodEnd) - INTERVAL '1' SECOND
  ) AS DATE) AS last_day,
  COUNT(*) AS row_count,
  SUM(billed) AS billed_cost,
  SUM(effective) AS effective_cost
FROM rows
GROUP BY ALL
ORDER BY
  month NULLS LAST,
  first_day NULLS LAST,
  provider NULLS LAST,
  kind NULLS LAST,
  service NULLS LAST,
  description NULLS LAST
