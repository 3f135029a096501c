-- parameters: annotation_tag_key, request_account, request_end, request_finding_start, request_id, request_member_dim, request_provider, request_region, request_service, request_start, request_tag, request_usage_type, tag_key
WITH requests AS (
  SELECT
    zipped.request AS request,
    zipped.member_dim AS member_dim,
    NULLIF(zipped.provider, '') AS provider,
    NULLIF(zipped.service, '') AS service,
    NULLIF(zipped.account, '') AS account,
    NULLIF(zipped.region, '') AS region,
    NULLIF(zipped.usage_type, '') AS usage_type,
    NULLIF(zipped.tag, '') AS tag,
    zipped.start_day AS start_day,
    zipped.end_day AS end_day,
    zipped.finding_start AS finding_start
  FROM INLINE(
    ARRAYS_ZIP(
      CAST(:request_id AS ARRAY<INT>),
      CAST(:request_member_dim AS ARRAY<STRING>),
      CAST(:request_provider AS ARRAY<STRING>),
      CAST(:request_service AS ARRAY<STRING>),
      CAST(:request_account AS ARRAY<STRING>),
      CAST(:request_region AS ARRAY<STRING>),
      CAST(:request_usage_type AS ARRAY<STRING>),
      CAST(:request_tag AS ARRAY<STRING>),
      CAST(:request_start AS ARRAY<DATE>),
      CAST(:request_end AS ARRAY<DATE>),
      CAST(:request_finding_start AS ARRAY<DATE>)
    )
  ) AS zipped(request, member_dim, provider, service, account, region, usage_type, tag, start_day, end_day, finding_start)
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
            THEN TRY_ELEMENT_AT(FROM_JSON(j.Tags, 'MAP<STRING,STRING>'), CAST(:annotation_tag_key AS STRING))
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
              THEN TRY_ELEMENT_AT(FROM_JSON(c.Tags, 'MAP<STRING,STRING>'), CAST(:tag_key AS STRING))
            END
          ),
          ''
        ),
        CASE WHEN 'tag' = 'tag' THEN '(untagged)' ELSE '(not set)' END
      ) AS tag,
      c.*
    FROM `focus_cost` AS c
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
  CASE WHEN day < finding_start THEN DATEDIFF(DAY, start_day, day) % 7 END AS baseline_slot,
  CAST(SUM(EffectiveCost) AS DOUBLE) AS cost
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
