-- parameters: account, end, member_dim, member_tag_key, provider, region, service, start, tag, tag_key, usage_type
SELECT
  CASE CAST(@member_dim AS STRING)
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
            THEN JSON_VALUE(c.Tags[NULL])
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
            THEN JSON_VALUE(c.Tags[NULL])
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
            THEN JSON_VALUE(c.Tags[NULL])
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
            THEN JSON_VALUE(c.Tags[CAST(@member_tag_key AS STRING)])
          END
        ),
        ''
      ),
      CASE WHEN 'tag' = 'tag' THEN '(untagged)' ELSE '(not set)' END
    )
  END AS member,
  CAST(ChargePeriodStart AS DATE) AS day,
  CAST(SUM(EffectiveCost) AS FLOAT64) AS cost
FROM `billing-prod`.`focus`.`costs` AS c
WHERE
  ChargePeriodStart >= @start
  AND ChargePeriodStart < @end
  AND ChargeCategory = 'Usage'
  AND ChargeClass IS DISTINCT FROM 'Correction'
  AND NOT COALESCE(ChargeFrequency, 'Usage-Based') IN ('One-Time', 'Recurring')
  AND CommitmentDiscountStatus IS DISTINCT FROM 'Unused'
  AND (
    CAST(@provider AS STRING) IS NULL
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
            THEN JSON_VALUE(c.Tags[NULL])
          END
        ),
        ''
      ),
      CASE WHEN 'ProviderName' = 'tag' THEN '(untagged)' ELSE '(not set)' END
    ) = @provider
  )
  AND (
    CAST(@service AS STRING) IS NULL
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
            THEN JSON_VALUE(c.Tags[NULL])
          END
        ),
        ''
      ),
      CASE WHEN 'ServiceName' = 'tag' THEN '(untagged)' ELSE '(not set)' END
    ) = @service
  )
  AND (
    CAST(@account AS STRING) IS NULL
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
            THEN JSON_VALUE(c.Tags[NULL])
          END
        ),
        ''
      ),
      CASE WHEN 'SubAccountId' = 'tag' THEN '(untagged)' ELSE '(not set)' END
    ) = @account
  )
  AND (
    CAST(@region AS STRING) IS NULL
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
            THEN JSON_VALUE(c.Tags[NULL])
          END
        ),
        ''
      ),
      CASE WHEN 'RegionId' = 'tag' THEN '(untagged)' ELSE '(not set)' END
    ) = @region
  )
  AND (
    CAST(@usage_type AS STRING) IS NULL
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
            THEN JSON_VALUE(c.Tags[NULL])
          END
        ),
        ''
      ),
      CASE WHEN 'x_UsageType' = 'tag' THEN '(untagged)' ELSE '(not set)' END
    ) = @usage_type
  )
  AND (
    CAST(@tag AS STRING) IS NULL
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
            THEN JSON_VALUE(c.Tags[CAST(@tag_key AS STRING)])
          END
        ),
        ''
      ),
      CASE WHEN 'tag' = 'tag' THEN '(untagged)' ELSE '(not set)' END
    ) = @tag
  )
GROUP BY ALL
ORDER BY
  member NULLS LAST,
  day NULLS LAST
