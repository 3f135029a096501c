-- gcp_billing_parquet_as_json: the FOCUS mapping generated for gcp parquet (the demo's export schema), staged as JSON records
-- (tests/unit/test_cost_mapping_snapshots.py; OPSREVIEW_UPDATE_SNAPSHOTS=1 regenerates)

-- 38 fields: cost column [source column, trusted] := expression
BilledCost [cost, trusted] :=
    TRY_CAST((json_extract_string(__j, '$."cost"')) AS DECIMAL(38, 18)) + coalesce(list_sum(list_transform(CAST(json_extract_string(json_extract(__j, '$."credits"'), '$[*].amount') AS VARCHAR[]), lambda x: TRY_CAST((x) AS DECIMAL(38, 18)))), 0)
EffectiveCost [cost, trusted] :=
    TRY_CAST((json_extract_string(__j, '$."cost"')) AS DECIMAL(38, 18)) + coalesce(list_sum(list_transform(CAST(json_extract_string(json_extract(__j, '$."credits"'), '$[*].amount') AS VARCHAR[]), lambda x: TRY_CAST((x) AS DECIMAL(38, 18)))), 0)
ListCost [cost_at_list, trusted] :=
    coalesce(TRY_CAST((json_extract_string(__j, '$."cost_at_list"')) AS DECIMAL(38, 18)), TRY_CAST((json_extract_string(__j, '$."cost"')) AS DECIMAL(38, 18)))
ContractedCost [cost, trusted] :=
    TRY_CAST((json_extract_string(__j, '$."cost"')) AS DECIMAL(38, 18))
BillingAccountId [billing_account_id] :=
    nullif(CAST(json_extract_string(__j, '$."billing_account_id"') AS VARCHAR), '')
BillingCurrency [currency] :=
    upper(trim(json_extract_string(__j, '$."currency"')))
BillingPeriodStart [invoice.month, trusted] :=
    timezone($__zone, TRY_STRPTIME(CAST(json_extract_string(__j, '$."invoice"."month"') AS VARCHAR) || '01', '%Y%m%d'))
BillingPeriodEnd [invoice.month, trusted] :=
    timezone($__zone, TRY_STRPTIME(CAST(json_extract_string(__j, '$."invoice"."month"') AS VARCHAR) || '01', '%Y%m%d') + INTERVAL 1 MONTH)
ChargePeriodStart [usage_start_time, trusted] :=
    TRY_CAST(json_extract_string(__j, '$."usage_start_time"') AS TIMESTAMPTZ)
ChargePeriodEnd [usage_end_time, trusted] :=
    TRY_CAST(json_extract_string(__j, '$."usage_end_time"') AS TIMESTAMPTZ)
ChargeCategory [cost_type] :=
    CASE WHEN coalesce(json_extract_string(__j, '$."cost_type"'), 'regular') = 'regular' THEN 'Usage' WHEN coalesce(json_extract_string(__j, '$."cost_type"'), 'regular') = 'tax' THEN 'Tax' WHEN coalesce(json_extract_string(__j, '$."cost_type"'), 'regular') = 'adjustment' THEN 'Adjustment' WHEN coalesce(json_extract_string(__j, '$."cost_type"'), 'regular') = 'rounding_error' THEN 'Adjustment' END
ChargeClass [] :=
    CASE WHEN coalesce(json_extract_string(__j, '$."cost_type"'), 'regular') = 'adjustment' AND TRY_CAST(json_extract_string(__j, '$."usage_start_time"') AS TIMESTAMPTZ) < timezone($__zone, TRY_STRPTIME(CAST(json_extract_string(__j, '$."invoice"."month"') AS VARCHAR) || '01', '%Y%m%d')) THEN 'Correction' END
ChargeDescription [] :=
    nullif(json_extract_string(__j, '$."sku"."description"'), '')
ChargeFrequency [] :=
    CASE coalesce(json_extract_string(__j, '$."cost_type"'), 'regular') WHEN 'regular' THEN 'Usage-Based' WHEN 'tax' THEN 'Recurring' ELSE 'One-Time' END
PricingCategory [] :=
    CASE WHEN coalesce(json_extract_string(__j, '$."cost_type"'), 'regular') = 'regular' THEN 'Standard' END
PricingQuantity [trusted] :=
    TRY_CAST(json_extract_string(__j, '$."usage"."amount_in_pricing_units"') AS DOUBLE)
PricingUnit [] :=
    nullif(json_extract_string(__j, '$."usage"."pricing_unit"'), '')
ConsumedQuantity [trusted] :=
    TRY_CAST(json_extract_string(__j, '$."usage"."amount"') AS DOUBLE)
ConsumedUnit [] :=
    nullif(json_extract_string(__j, '$."usage"."unit"'), '')
InvoiceIssuerName [trusted] :=
    'Google'
ProviderName [trusted] :=
    'Google Cloud'
ServiceProviderName [trusted] :=
    'Google Cloud'
PublisherName [] :=
    coalesce(nullif(json_extract_string(__j, '$."seller_name"'), ''), 'Google')
AvailabilityZone [] :=
    nullif(json_extract_string(__j, '$."location"."zone"'), '')
RegionId [] :=
    nullif(coalesce(json_extract_string(__j, '$."location"."region"'), json_extract_string(__j, '$."location"."location"')), '')
RegionName [] :=
    nullif(coalesce(json_extract_string(__j, '$."location"."region"'), json_extract_string(__j, '$."location"."location"')), '')
ResourceId [] :=
    nullif(json_extract_string(__j, '$."resource"."global_name"'), '')
ResourceName [] :=
    nullif(json_extract_string(__j, '$."resource"."name"'), '')
ServiceName [] :=
    coalesce(nullif(json_extract_string(__j, '$."service"."description"'), ''), 'Unknown')
ServiceCategory [] :=
    coalesce(list_extract($__categories, list_position($__services, json_extract_string(__j, '$."service"."description"'))), 'Other')
SkuId [] :=
    nullif(json_extract_string(__j, '$."sku"."id"'), '')
SubAccountId [] :=
    nullif(json_extract_string(__j, '$."project"."id"'), '')
SubAccountName [] :=
    nullif(json_extract_string(__j, '$."project"."name"'), '')
Tags [trusted] :=
    CASE WHEN json_type(json_extract(__j, '$."labels"')) = 'ARRAY' THEN CASE WHEN coalesce(len(list_transform(list_filter(list_transform(CAST(json_extract(json_extract(__j, '$."labels"'), '$[*]') AS JSON[]), lambda x: {'key': trim(json_extract_string(x, '$.key')), 'value': json_extract_string(x, '$.value')}), lambda e: e.value IS NOT NULL AND e.key IS NOT NULL AND e.key <> ''), lambda e: e.key)), 0) = 0 THEN NULL WHEN len(list_distinct(list_transform(list_filter(list_transform(CAST(json_extract(json_extract(__j, '$."labels"'), '$[*]') AS JSON[]), lambda x: {'key': trim(json_extract_string(x, '$.key')), 'value': json_extract_string(x, '$.value')}), lambda e: e.value IS NOT NULL AND e.key IS NOT NULL AND e.key <> ''), lambda e: e.key))) = len(list_transform(list_filter(list_transform(CAST(json_extract(json_extract(__j, '$."labels"'), '$[*]') AS JSON[]), lambda x: {'key': trim(json_extract_string(x, '$.key')), 'value': json_extract_string(x, '$.value')}), lambda e: e.value IS NOT NULL AND e.key IS NOT NULL AND e.key <> ''), lambda e: e.key)) THEN CAST(to_json(map(list_transform(list_filter(list_transform(CAST(json_extract(json_extract(__j, '$."labels"'), '$[*]') AS JSON[]), lambda x: {'key': trim(json_extract_string(x, '$.key')), 'value': json_extract_string(x, '$.value')}), lambda e: e.value IS NOT NULL AND e.key IS NOT NULL AND e.key <> ''), lambda e: e.key), list_transform(list_filter(list_transform(CAST(json_extract(json_extract(__j, '$."labels"'), '$[*]') AS JSON[]), lambda x: {'key': trim(json_extract_string(x, '$.key')), 'value': json_extract_string(x, '$.value')}), lambda e: e.value IS NOT NULL AND e.key IS NOT NULL AND e.key <> ''), lambda e: e.value))) AS VARCHAR) ELSE CAST(to_json(map_from_entries(list_filter(list_filter(list_transform(CAST(json_extract(json_extract(__j, '$."labels"'), '$[*]') AS JSON[]), lambda x: {'key': trim(json_extract_string(x, '$.key')), 'value': json_extract_string(x, '$.value')}), lambda e: e.value IS NOT NULL AND e.key IS NOT NULL AND e.key <> ''), lambda e, i: list_position(list_transform(list_filter(list_transform(CAST(json_extract(json_extract(__j, '$."labels"'), '$[*]') AS JSON[]), lambda x: {'key': trim(json_extract_string(x, '$.key')), 'value': json_extract_string(x, '$.value')}), lambda e: e.value IS NOT NULL AND e.key IS NOT NULL AND e.key <> ''), lambda x: x.key), e.key) = i))) AS VARCHAR) END END
x_UsageType [] :=
    nullif(json_extract_string(__j, '$."sku"."description"'), '')
x_Credits [trusted] :=
    CASE WHEN json_array_length(json_extract(__j, '$."credits"')) > 0 THEN CAST(json_extract(__j, '$."credits"') AS VARCHAR) END
x_InvoiceMonth [] :=
    CAST(json_extract_string(__j, '$."invoice"."month"') AS VARCHAR)
x_SourceLineItemType [] :=
    coalesce(json_extract_string(__j, '$."cost_type"'), 'regular')

-- 18 checks: message [column] (shown value) <= predicate true on a bad row
is not a finite amount [cost] (json_extract_string(__j, '$."cost"')) <=
    json_extract_string(__j, '$."cost"') IS NOT NULL AND (TRY_CAST(json_extract_string(__j, '$."cost"') AS DECIMAL(38, 10)) IS NULL OR abs(TRY_CAST(json_extract_string(__j, '$."cost"') AS DOUBLE)) >= 1e18)
is not a finite amount [cost_at_list] (json_extract_string(__j, '$."cost_at_list"')) <=
    json_extract_string(__j, '$."cost_at_list"') IS NOT NULL AND (TRY_CAST(json_extract_string(__j, '$."cost_at_list"') AS DECIMAL(38, 10)) IS NULL OR abs(TRY_CAST(json_extract_string(__j, '$."cost_at_list"') AS DOUBLE)) >= 1e18)
is not a JSON array of credits with numeric amounts [credits] (CAST(json_extract(__j, '$."credits"') AS VARCHAR)) <=
    json_extract(__j, '$."credits"') IS NOT NULL AND (json_type(json_extract(__j, '$."credits"')) <> 'ARRAY' OR len(CAST(json_extract_string(json_extract(__j, '$."credits"'), '$[*].amount') AS VARCHAR[])) <> json_array_length(json_extract(__j, '$."credits"')) OR len(list_filter(CAST(json_extract_string(json_extract(__j, '$."credits"'), '$[*].amount') AS VARCHAR[]), lambda x: x IS NULL OR TRY_CAST(x AS DECIMAL(38, 10)) IS NULL OR abs(TRY_CAST(x AS DOUBLE)) >= 1e18)) > 0)
is neither JSON nor a Python literal list [credits] (json_extract_string(__j, '$."credits"')) <=
    json_extract_string(__j, '$."credits"') IS NOT NULL AND trim(json_extract_string(__j, '$."credits"')) <> '' AND json_extract(__j, '$."credits"') IS NULL
is not an invoice month YYYYMM [invoice.month] (CAST(json_extract_string(__j, '$."invoice"."month"') AS VARCHAR)) <=
    CAST(json_extract_string(__j, '$."invoice"."month"') AS VARCHAR) IS NOT NULL AND NOT regexp_full_match(CAST(json_extract_string(__j, '$."invoice"."month"') AS VARCHAR), '\d{4}(0[1-9]|1[0-2])')
is not a known cost_type (regular, tax, adjustment, rounding_error) [cost_type] (coalesce(json_extract_string(__j, '$."cost_type"'), 'regular')) <=
    coalesce(json_extract_string(__j, '$."cost_type"'), 'regular') NOT IN ('regular', 'tax', 'adjustment', 'rounding_error')
is not a timestamp [usage_start_time] (json_extract_string(__j, '$."usage_start_time"')) <=
    json_extract_string(__j, '$."usage_start_time"') IS NOT NULL AND TRY_CAST(json_extract_string(__j, '$."usage_start_time"') AS TIMESTAMPTZ) IS NULL
timestamp has a UTC offset beyond ±14:00 [usage_start_time] (json_extract_string(__j, '$."usage_start_time"')) <=
    json_extract_string(__j, '$."usage_start_time"') IS NOT NULL AND (regexp_matches(trim(CAST((json_extract_string(__j, '$."usage_start_time"')) AS VARCHAR)), $__bad_offset))
timestamp is outside 2000-01-01 … 2028-12-09 [usage_start_time] (json_extract_string(__j, '$."usage_start_time"')) <=
    json_extract_string(__j, '$."usage_start_time"') IS NOT NULL AND (NOT ((TRY_CAST(json_extract_string(__j, '$."usage_start_time"') AS TIMESTAMPTZ)) >= $__earliest AND (TRY_CAST(json_extract_string(__j, '$."usage_start_time"') AS TIMESTAMPTZ)) < $__latest))
is not a timestamp [usage_end_time] (json_extract_string(__j, '$."usage_end_time"')) <=
    json_extract_string(__j, '$."usage_end_time"') IS NOT NULL AND TRY_CAST(json_extract_string(__j, '$."usage_end_time"') AS TIMESTAMPTZ) IS NULL
timestamp has a UTC offset beyond ±14:00 [usage_end_time] (json_extract_string(__j, '$."usage_end_time"')) <=
    json_extract_string(__j, '$."usage_end_time"') IS NOT NULL AND (regexp_matches(trim(CAST((json_extract_string(__j, '$."usage_end_time"')) AS VARCHAR)), $__bad_offset))
timestamp is outside 2000-01-01 … 2028-12-09 [usage_end_time] (json_extract_string(__j, '$."usage_end_time"')) <=
    json_extract_string(__j, '$."usage_end_time"') IS NOT NULL AND (NOT ((TRY_CAST(json_extract_string(__j, '$."usage_end_time"') AS TIMESTAMPTZ)) >= $__earliest AND (TRY_CAST(json_extract_string(__j, '$."usage_end_time"') AS TIMESTAMPTZ)) < $__latest))
is not a finite number [usage.amount] (json_extract_string(__j, '$."usage"."amount"')) <=
    json_extract_string(__j, '$."usage"."amount"') IS NOT NULL AND NOT coalesce(isfinite(TRY_CAST(json_extract_string(__j, '$."usage"."amount"') AS DOUBLE)), false)
is not a finite number [usage.amount_in_pricing_units] (json_extract_string(__j, '$."usage"."amount_in_pricing_units"')) <=
    json_extract_string(__j, '$."usage"."amount_in_pricing_units"') IS NOT NULL AND NOT coalesce(isfinite(TRY_CAST(json_extract_string(__j, '$."usage"."amount_in_pricing_units"') AS DOUBLE)), false)
is not a JSON array of {key, value} labels [labels] (CAST(json_extract(__j, '$."labels"') AS VARCHAR)) <=
    json_extract(__j, '$."labels"') IS NOT NULL AND (json_type(json_extract(__j, '$."labels"')) <> 'ARRAY' OR len(list_filter(CAST(json_extract(json_extract(__j, '$."labels"'), '$[*]') AS JSON[]), lambda x: json_type(x) <> 'OBJECT' OR json_extract_string(x, '$.key') IS NULL)) > 0)
is not a JSON array of {key, value} labels [system_labels] (CAST(json_extract(__j, '$."system_labels"') AS VARCHAR)) <=
    json_extract(__j, '$."system_labels"') IS NOT NULL AND (json_type(json_extract(__j, '$."system_labels"')) <> 'ARRAY' OR len(list_filter(CAST(json_extract(json_extract(__j, '$."system_labels"'), '$[*]') AS JSON[]), lambda x: json_type(x) <> 'OBJECT' OR json_extract_string(x, '$.key') IS NULL)) > 0)
is not a JSON array of {key, value} labels [project.labels] (CAST(json_extract(__j, '$."project"."labels"') AS VARCHAR)) <=
    json_extract(__j, '$."project"."labels"') IS NOT NULL AND (json_type(json_extract(__j, '$."project"."labels"')) <> 'ARRAY' OR len(list_filter(CAST(json_extract(json_extract(__j, '$."project"."labels"'), '$[*]') AS JSON[]), lambda x: json_type(x) <> 'OBJECT' OR json_extract_string(x, '$.key') IS NULL)) > 0)
is not a JSON array of {resource_name, display_name} objects [project.ancestors] (CAST(json_extract(__j, '$."project"."ancestors"') AS VARCHAR)) <=
    json_extract(__j, '$."project"."ancestors"') IS NOT NULL AND (json_type(json_extract(__j, '$."project"."ancestors"')) <> 'ARRAY' OR len(list_filter(CAST(json_extract(json_extract(__j, '$."project"."ancestors"'), '$[*]') AS JSON[]), lambda x: json_type(x) <> 'OBJECT')) > 0)

-- 3 bound parameters
$__categories = ['Compute', 'Compute', 'Compute', 'Compute', 'Compute', 'Storage', 'Storage', 'Databases', 'Databases', 'Databases', 'Databases', 'Databases', 'Analytics', 'Analytics', 'Analytics', 'Integration', 'Networking', 'Networking', 'Networking', 'Networking', 'Management and Governance', 'Management and Governance', 'AI and Machine Learning', 'Security', 'Security', 'Developer Tools', 'Developer Tools']
$__services = ['Compute Engine', 'Kubernetes Engine', 'Cloud Run', 'Cloud Functions', 'App Engine', 'Cloud Storage', 'Filestore', 'Cloud SQL', 'Cloud Spanner', 'Cloud Bigtable', 'Firestore', 'Memorystore for Redis', 'BigQuery', 'Dataflow', 'Dataproc', 'Cloud Pub/Sub', 'Networking', 'Cloud DNS', 'Cloud CDN', 'Cloud Load Balancing', 'Cloud Logging', 'Cloud Monitoring', 'Vertex AI', 'Cloud Key Management Service (KMS)', 'Secret Manager', 'Artifact Registry', 'Cloud Build']
$__zone = 'America/Los_Angeles'
