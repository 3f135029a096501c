-- parameters: member_dim, member_tag_key, start, end, provider, provider, service, service, account, account, region, region, usage_type, usage_type, tag, tag_key, tag, member_dim, member_tag_key
SELECT
  CASE CAST(? AS VARCHAR)
    WHEN 'resource'
    THEN COALESCE(NULLIF(TRIM(ResourceId), ''), '(no resource id)')
    WHEN 'account'
    THEN COALESCE(
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
            THEN ELEMENT_AT(c.Tags, NULL)
          END
        ),
        ''
      ),
      CASE WHEN 'SubAccountId' = 'tag' THEN '(untagged)' ELSE '(not set)' END
    )
    WHEN 'region'
    THEN COALESCE(
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
            THEN ELEMENT_AT(c.Tags, NULL)
          END
        ),
        ''
      ),
      CASE WHEN 'RegionId' = 'tag' THEN '(untagged)' ELSE '(not set)' END
    )
    WHEN 'usage_type'
    THEN COALESCE(
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
            THEN ELEMENT_AT(c.Tags, NULL)
          END
        ),
        ''
      ),
      CASE WHEN 'x_UsageType' = 'tag' THEN '(untagged)' ELSE '(not set)' END
    )
    ELSE COALESCE(
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
    )
  END AS member,
  CAST(ChargePeriodStart AS DATE) AS day,
  CAST(SUM(EffectiveCost) AS DOUBLE) AS cost
FROM "focus"."costs" AS c
WHERE
  ChargePeriodStart >= ?
  AND ChargePeriodStart < ?
  AND ChargeCategory = 'Usage'
  AND ChargeClass IS DISTINCT FROM 'Correction'
  AND NOT COALESCE(ChargeFrequency, 'Usage-Based') IN ('One-Time', 'Recurring')
  AND CommitmentDiscountStatus IS DISTINCT FROM 'Unused'
  AND (
    CAST(? AS VARCHAR) IS NULL
    OR COALESCE(
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
            THEN ELEMENT_AT(c.Tags, NULL)
          END
        ),
        ''
      ),
      CASE WHEN 'ProviderName' = 'tag' THEN '(untagged)' ELSE '(not set)' END
    ) = ?
  )
  AND (
    CAST(? AS VARCHAR) IS NULL
    OR COALESCE(
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
            THEN ELEMENT_AT(c.Tags, NULL)
          END
        ),
        ''
      ),
      CASE WHEN 'ServiceName' = 'tag' THEN '(untagged)' ELSE '(not set)' END
    ) = ?
  )
  AND (
    CAST(? AS VARCHAR) IS NULL
    OR COALESCE(
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
            THEN ELEMENT_AT(c.Tags, NULL)
          END
        ),
        ''
      ),
      CASE WHEN 'SubAccountId' = 'tag' THEN '(untagged)' ELSE '(not set)' END
    ) = ?
  )
  AND (
    CAST(? AS VARCHAR) IS NULL
    OR COALESCE(
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
            THEN ELEMENT_AT(c.Tags, NULL)
          END
        ),
        ''
      ),
      CASE WHEN 'RegionId' = 'tag' THEN '(untagged)' ELSE '(not set)' END
    ) = ?
  )
  AND (
    CAST(? AS VARCHAR) IS NULL
    OR COALESCE(
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
            THEN ELEMENT_AT(c.Tags, NULL)
          END
        ),
        ''
      ),
      CASE WHEN 'x_UsageType' = 'tag' THEN '(untagged)' ELSE '(not set)' END
    ) = ?
  )
  AND (
    CAST(? AS VARCHAR) IS NULL
    OR COALESCE(
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
    ) = ?
  )
GROUP BY
  CASE CAST(? AS VARCHAR)
    WHEN 'resource'
    THEN COALESCE(NULLIF(TRIM(ResourceId), ''), '(no resource id)')
    WHEN 'account'
    THEN COALESCE(
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
            THEN ELEMENT_AT(c.Tags, NULL)
          END
        ),
        ''
      ),
      CASE WHEN 'SubAccountId' = 'tag' THEN '(untagged)' ELSE '(not set)' END
    )
    WHEN 'region'
    THEN COALESCE(
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
            THEN ELEMENT_AT(c.Tags, NULL)
          END
        ),
        ''
      ),
      CASE WHEN 'RegionId' = 'tag' THEN '(untagged)' ELSE '(not set)' END
    )
    WHEN 'usage_type'
    THEN COALESCE(
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
            THEN ELEMENT_AT(c.Tags, NULL)
          END
        ),
        ''
      ),
      CASE WHEN 'x_UsageType' = 'tag' THEN '(untagged)' ELSE '(not set)' END
    )
    ELSE COALESCE(
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
    )
  END,
  CAST(ChargePeriodStart AS DATE)
ORDER BY
  member,
  day
