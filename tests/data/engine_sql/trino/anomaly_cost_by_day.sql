-- parameters: tag_key, start, end
WITH judged AS (
  SELECT
    day,
    provider,
    service,
    account,
    region,
    usage_type,
    tag,
    CAST(EffectiveCost AS DOUBLE) AS cost
  FROM (
    SELECT
      CAST(ChargePeriodStart AS DATE) AS day,
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
      COALESCE(
        NULLIF(
          TRIM(
            CASE 'SubAccountId'
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
        CASE WHEN 'SubAccountId' = 'tag' THEN '(untagged)' ELSE '(not set)' END
      ) AS account,
      COALESCE(
        NULLIF(
          TRIM(
            CASE 'RegionId'
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
        CASE WHEN 'RegionId' = 'tag' THEN '(untagged)' ELSE '(not set)' END
      ) AS region,
      COALESCE(
        NULLIF(
          TRIM(
            CASE 'x_UsageType'
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
        CASE WHEN 'x_UsageType' = 'tag' THEN '(untagged)' ELSE '(not set)' END
      ) AS usage_type,
      COALESCE(
        NULLIF(
          TRIM(
            CASE 'tag'
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
              THEN ELEMENT_AT(c.Tags, CAST(? AS VARCHAR))
            END
          ),
          ''
        ),
        CASE WHEN 'tag' = 'tag' THEN '(untagged)' ELSE '(not set)' END
      ) AS tag,
      c.*
    FROM "focus"."costs" AS c
    WHERE
      c.ChargePeriodStart >= ?
      AND c.ChargePeriodStart < ?
      AND c.ChargeCategory = 'Usage'
      AND c.ChargeClass IS DISTINCT FROM 'Correction'
      AND NOT COALESCE(c.ChargeFrequency, 'Usage-Based') IN ('One-Time', 'Recurring')
      AND c.CommitmentDiscountStatus IS DISTINCT FROM 'Unused'
  ) AS cost_judged_rows
), grouped AS (
  SELECT
    day,
    provider,
    service,
    account,
    region,
    usage_type,
    tag,
    GROUPING(provider, service, account, region, usage_type, tag) AS g,
    SUM(cost) AS cost,
    COUNT(*) AS row_count
  FROM judged
  GROUP BY
    GROUPING SETS (
      (
        day
      ),
      (day, provider),
      (day, provider, service),
      (day, provider, service, account),
      (day, provider, service, region),
      (day, provider, service, usage_type),
      (day, provider, service, tag)
    )
)
SELECT
  CASE g
    WHEN 63
    THEN 'total'
    WHEN 31
    THEN 'provider'
    WHEN 15
    THEN 'service'
    WHEN 7
    THEN 'account'
    WHEN 11
    THEN 'region'
    WHEN 13
    THEN 'usage_type'
    ELSE 'tag'
  END AS level,
  provider,
  service,
  CASE g
    WHEN 7
    THEN account
    WHEN 11
    THEN region
    WHEN 13
    THEN usage_type
    WHEN 14
    THEN tag
  END AS member,
  day,
  cost,
  row_count
FROM grouped
ORDER BY
  g DESC,
  provider NULLS FIRST,
  service NULLS FIRST,
  member NULLS FIRST,
  day
