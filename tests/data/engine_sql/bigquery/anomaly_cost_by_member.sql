-- parameters: annotation_tag_key, request_account, request_end, request_finding_start, request_id, request_member_dim, request_provider, request_region, request_service, request_start, request_tag, request_usage_type, tag_key
WITH requests AS (
  SELECT
    CAST(@request_id AS ARRAY<INT64>)[ORDINAL(zip_ordinal)] AS request,
    CAST(@request_member_dim AS ARRAY<STRING>)[ORDINAL(zip_ordinal)] AS member_dim,
    NULLIF(CAST(@request_provider AS ARRAY<STRING>)[ORDINAL(zip_ordinal)], '') AS provider,
    NULLIF(CAST(@request_service AS ARRAY<STRING>)[ORDINAL(zip_ordinal)], '') AS service,
    NULLIF(CAST(@request_account AS ARRAY<STRING>)[ORDINAL(zip_ordinal)], '') AS account,
    NULLIF(CAST(@request_region AS ARRAY<STRING>)[ORDINAL(zip_ordinal)], '') AS region,
    NULLIF(CAST(@request_usage_type AS ARRAY<STRING>)[ORDINAL(zip_ordinal)], '') AS usage_type,
    NULLIF(CAST(@request_tag AS ARRAY<STRING>)[ORDINAL(zip_ordinal)], '') AS tag,
    CAST(@request_start AS ARRAY<DATE>)[ORDINAL(zip_ordinal)] AS start_day,
    CAST(@request_end AS ARRAY<DATE>)[ORDINAL(zip_ordinal)] AS end_day,
    CAST(@request_finding_start AS ARRAY<DATE>)[ORDINAL(zip_ordinal)] AS finding_start
  FROM UNNEST(GENERATE_ARRAY(1, ARRAY_LENGTH(CAST(@request_id AS ARRAY<INT64>)))) AS zip_ordinal
), judged AS (
  SELECT
    j.day,
    j.provider,
    j.service,
    j.account,
    j.region,
    j.usage_type,
    j.tag,
    COALESCE(
      NULLIF(
        TRIM(
          CASE 'tag'
            WHEN 'total'
            THEN 'total'
            WHEN 'ProviderName'
            THEN j.ProviderName
            WHEN 'ServiceName'
            THEN j.ServiceName
            WHEN 'ServiceCategory'
            THEN j.ServiceCategory
            WHEN 'SubAccountId'
            THEN j.SubAccountId
            WHEN 'SubAccountName'
            THEN j.SubAccountName
            WHEN 'BillingAccountId'
            THEN j.BillingAccountId
            WHEN 'RegionId'
            THEN j.RegionId
            WHEN 'ChargeCategory'
            THEN j.ChargeCategory
            WHEN 'PricingCategory'
            THEN j.PricingCategory
            WHEN 'ResourceId'
            THEN j.ResourceId
            WHEN 'CommitmentDiscountId'
            THEN j.CommitmentDiscountId
            WHEN 'x_UsageType'
            THEN j.x_UsageType
            WHEN 'tag'
            THEN JSON_VALUE(j.Tags[CAST(@annotation_tag_key AS STRING)])
          END
        ),
        ''
      ),
      CASE WHEN 'tag' = 'tag' THEN '(untagged)' ELSE '(not set)' END
    ) AS annotation_tag,
    COALESCE(NULLIF(TRIM(j.ResourceId), ''), '(no resource id)') AS resource,
    j.EffectiveCost
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
              THEN JSON_VALUE(c.Tags[CAST(@tag_key AS STRING)])
            END
          ),
          ''
        ),
        CASE WHEN 'tag' = 'tag' THEN '(untagged)' ELSE '(not set)' END
      ) AS tag,
      c.*
    FROM `billing-prod`.`focus`.`costs` AS c
    WHERE
      c.ChargePeriodStart >= CAST((
        SELECT
          MIN(start_day)
        FROM requests
      ) AS TIMESTAMP)
      AND c.ChargePeriodStart < CAST((
        SELECT
          MAX(end_day)
        FROM requests
      ) AS TIMESTAMP)
      AND c.ChargeCategory = 'Usage'
      AND c.ChargeClass IS DISTINCT FROM 'Correction'
      AND NOT COALESCE(c.ChargeFrequency, 'Usage-Based') IN ('One-Time', 'Recurring')
      AND c.CommitmentDiscountStatus IS DISTINCT FROM 'Unused'
  ) AS j
), matched AS (
  SELECT
    r.*,
    j.day,
    j.account AS j_account,
    j.region AS j_region,
    j.usage_type AS j_usage_type,
    j.tag AS j_tag,
    j.annotation_tag AS j_annotation_tag,
    j.resource AS j_resource,
    j.EffectiveCost
  FROM judged AS j
  JOIN requests AS r
    ON r.provider = j.provider AND r.service = j.service
  UNION ALL
  SELECT
    r.*,
    j.day,
    j.account,
    j.region,
    j.usage_type,
    j.tag,
    j.annotation_tag,
    j.resource,
    j.EffectiveCost
  FROM judged AS j
  JOIN requests AS r
    ON r.provider = j.provider AND r.service IS NULL
  UNION ALL
  SELECT
    r.*,
    j.day,
    j.account,
    j.region,
    j.usage_type,
    j.tag,
    j.annotation_tag,
    j.resource,
    j.EffectiveCost
  FROM judged AS j
  JOIN requests AS r
    ON r.provider IS NULL
)
SELECT
  request,
  CASE member_dim
    WHEN 'resource'
    THEN j_resource
    WHEN 'account'
    THEN j_account
    WHEN 'region'
    THEN j_region
    WHEN 'usage_type'
    THEN j_usage_type
    WHEN 'tag'
    THEN j_tag
    ELSE j_annotation_tag
  END AS member,
  CASE WHEN day >= finding_start THEN day END AS day,
  CASE WHEN day < finding_start THEN MOD(DATE_DIFF(day, start_day, DAY), 7) END AS baseline_slot,
  CAST(SUM(EffectiveCost) AS FLOAT64) AS cost
FROM matched
WHERE
  day >= start_day
  AND day < end_day
  AND (
    account IS NULL OR j_account = account
  )
  AND (
    region IS NULL OR j_region = region
  )
  AND (
    usage_type IS NULL OR j_usage_type = usage_type
  )
  AND (
    tag IS NULL OR j_tag = tag
  )
GROUP BY ALL
ORDER BY
  request NULLS LAST,
  member NULLS LAST,
  baseline_slot NULLS LAST,
  day NULLS LAST
