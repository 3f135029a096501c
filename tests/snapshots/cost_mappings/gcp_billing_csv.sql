-- gcp_billing_csv: the FOCUS mapping generated for gcp/billing_export_sample.csv
-- (tests/unit/test_cost_mapping_snapshots.py; OPSREVIEW_UPDATE_SNAPSHOTS=1 regenerates)

-- 38 fields: cost column [source column, trusted] := expression
BilledCost [cost, trusted] :=
    TRY_CAST(("cost") AS DECIMAL(38, 18)) + coalesce(list_sum(list_transform(CAST(json_extract_string(TRY_CAST(nullif(trim("credits"), '') AS JSON), '$[*].amount') AS VARCHAR[]), lambda x: TRY_CAST((x) AS DECIMAL(38, 18)))), 0)
EffectiveCost [cost, trusted] :=
    TRY_CAST(("cost") AS DECIMAL(38, 18)) + coalesce(list_sum(list_transform(CAST(json_extract_string(TRY_CAST(nullif(trim("credits"), '') AS JSON), '$[*].amount') AS VARCHAR[]), lambda x: TRY_CAST((x) AS DECIMAL(38, 18)))), 0)
ListCost [cost_at_list, trusted] :=
    coalesce(TRY_CAST((NULL) AS DECIMAL(38, 18)), TRY_CAST(("cost") AS DECIMAL(38, 18)))
ContractedCost [cost, trusted] :=
    TRY_CAST(("cost") AS DECIMAL(38, 18))
BillingAccountId [billing_account_id] :=
    nullif(CAST("billing_account_id" AS VARCHAR), '')
BillingCurrency [currency] :=
    upper(trim("currency"))
BillingPeriodStart [invoice.month, trusted] :=
    timezone($__zone, TRY_STRPTIME(CAST("invoice.month" AS VARCHAR) || '01', '%Y%m%d'))
BillingPeriodEnd [invoice.month, trusted] :=
    timezone($__zone, TRY_STRPTIME(CAST("invoice.month" AS VARCHAR) || '01', '%Y%m%d') + INTERVAL 1 MONTH)
ChargePeriodStart [usage_start_time, trusted] :=
    TRY_CAST("usage_start_time" AS TIMESTAMPTZ)
ChargePeriodEnd [usage_end_time, trusted] :=
    TRY_CAST("usage_end_time" AS TIMESTAMPTZ)
ChargeCategory [cost_type] :=
    CASE WHEN coalesce("cost_type", 'regular') = 'regular' THEN 'Usage' WHEN coalesce("cost_type", 'regular') = 'tax' THEN 'Tax' WHEN coalesce("cost_type", 'regular') = 'adjustment' THEN 'Adjustment' WHEN coalesce("cost_type", 'regular') = 'rounding_error' THEN 'Adjustment' END
ChargeClass [] :=
    CASE WHEN coalesce("cost_type", 'regular') = 'adjustment' AND TRY_CAST("usage_start_time" AS TIMESTAMPTZ) < timezone($__zone, TRY_STRPTIME(CAST("invoice.month" AS VARCHAR) || '01', '%Y%m%d')) THEN 'Correction' END
ChargeDescription [] :=
    nullif("sku.description", '')
ChargeFrequency [] :=
    CASE coalesce("cost_type", 'regular') WHEN 'regular' THEN 'Usage-Based' WHEN 'tax' THEN 'Recurring' ELSE 'One-Time' END
PricingCategory [] :=
    CASE WHEN coalesce("cost_type", 'regular') = 'regular' THEN 'Standard' END
PricingQuantity [trusted] :=
    TRY_CAST("usage.amount_in_pricing_units" AS DOUBLE)
PricingUnit [] :=
    nullif("usage.pricing_unit", '')
ConsumedQuantity [trusted] :=
    TRY_CAST("usage.amount" AS DOUBLE)
ConsumedUnit [] :=
    nullif("usage.unit", '')
InvoiceIssuerName [trusted] :=
    'Google'
ProviderName [trusted] :=
    'Google Cloud'
ServiceProviderName [trusted] :=
    'Google Cloud'
PublisherName [] :=
    coalesce(nullif(NULL, ''), 'Google')
AvailabilityZone [] :=
    nullif("location.zone", '')
RegionId [] :=
    nullif(coalesce("location.region", "location.location"), '')
RegionName [] :=
    nullif(coalesce("location.region", "location.location"), '')
ResourceId [] :=
    nullif("resource.global_name", '')
ResourceName [] :=
    nullif("resource.name", '')
ServiceName [] :=
    coalesce(nullif("service.description", ''), 'Unknown')
ServiceCategory [] :=
    coalesce(list_extract($__categories, list_position($__services, "service.description")), 'Other')
SkuId [] :=
    nullif("sku.id", '')
SubAccountId [] :=
    nullif("project.id", '')
SubAccountName [] :=
    nullif("project.name", '')
Tags [trusted] :=
    CASE WHEN json_type(TRY_CAST(nullif(trim("labels"), '') AS JSON)) = 'ARRAY' THEN CASE WHEN coalesce(len(list_transform(list_filter(list_transform(CAST(json_extract(TRY_CAST(nullif(trim("labels"), '') AS JSON), '$[*]') AS JSON[]), lambda x: {'key': trim(json_extract_string(x, '$.key')), 'value': json_extract_string(x, '$.value')}), lambda e: e.value IS NOT NULL AND e.key IS NOT NULL AND e.key <> ''), lambda e: e.key)), 0) = 0 THEN NULL WHEN len(list_distinct(list_transform(list_filter(list_transform(CAST(json_extract(TRY_CAST(nullif(trim("labels"), '') AS JSON), '$[*]') AS JSON[]), lambda x: {'key': trim(json_extract_string(x, '$.key')), 'value': json_extract_string(x, '$.value')}), lambda e: e.value IS NOT NULL AND e.key IS NOT NULL AND e.key <> ''), lambda e: e.key))) = len(list_transform(list_filter(list_transform(CAST(json_extract(TRY_CAST(nullif(trim("labels"), '') AS JSON), '$[*]') AS JSON[]), lambda x: {'key': trim(json_extract_string(x, '$.key')), 'value': json_extract_string(x, '$.value')}), lambda e: e.value IS NOT NULL AND e.key IS NOT NULL AND e.key <> ''), lambda e: e.key)) THEN CAST(to_json(map(list_transform(list_filter(list_transform(CAST(json_extract(TRY_CAST(nullif(trim("labels"), '') AS JSON), '$[*]') AS JSON[]), lambda x: {'key': trim(json_extract_string(x, '$.key')), 'value': json_extract_string(x, '$.value')}), lambda e: e.value IS NOT NULL AND e.key IS NOT NULL AND e.key <> ''), lambda e: e.key), list_transform(list_filter(list_transform(CAST(json_extract(TRY_CAST(nullif(trim("labels"), '') AS JSON), '$[*]') AS JSON[]), lambda x: {'key': trim(json_extract_string(x, '$.key')), 'value': json_extract_string(x, '$.value')}), lambda e: e.value IS NOT NULL AND e.key IS NOT NULL AND e.key <> ''), lambda e: e.value))) AS VARCHAR) ELSE CAST(to_json(map_from_entries(list_filter(list_filter(list_transform(CAST(json_extract(TRY_CAST(nullif(trim("labels"), '') AS JSON), '$[*]') AS JSON[]), lambda x: {'key': trim(json_extract_string(x, '$.key')), 'value': json_extract_string(x, '$.value')}), lambda e: e.value IS NOT NULL AND e.key IS NOT NULL AND e.key <> ''), lambda e, i: list_position(list_transform(list_filter(list_transform(CAST(json_extract(TRY_CAST(nullif(trim("labels"), '') AS JSON), '$[*]') AS JSON[]), lambda x: {'key': trim(json_extract_string(x, '$.key')), 'value': json_extract_string(x, '$.value')}), lambda e: e.value IS NOT NULL AND e.key IS NOT NULL AND e.key <> ''), lambda x: x.key), e.key) = i))) AS VARCHAR) END END
x_UsageType [] :=
    nullif("sku.description", '')
x_Credits [trusted] :=
    CASE WHEN json_array_length(TRY_CAST(nullif(trim("credits"), '') AS JSON)) > 0 THEN CAST(TRY_CAST(nullif(trim("credits"), '') AS JSON) AS VARCHAR) END
x_InvoiceMonth [] :=
    CAST("invoice.month" AS VARCHAR)
x_SourceLineItemType [] :=
    coalesce("cost_type", 'regular')

-- 21 checks: message [column] (shown value) <= predicate true on a bad row
is not a finite amount [cost] ("cost") <=
    "cost" IS NOT NULL AND (TRY_CAST("cost" AS DECIMAL(38, 10)) IS NULL OR abs(TRY_CAST("cost" AS DOUBLE)) >= 1e18)
is not a finite amount [cost_at_list] (NULL) <=
    NULL IS NOT NULL AND (TRY_CAST(NULL AS DECIMAL(38, 10)) IS NULL OR abs(TRY_CAST(NULL AS DOUBLE)) >= 1e18)
is not a JSON array of credits with numeric amounts [credits] (CAST(TRY_CAST(nullif(trim("credits"), '') AS JSON) AS VARCHAR)) <=
    TRY_CAST(nullif(trim("credits"), '') AS JSON) IS NOT NULL AND (json_type(TRY_CAST(nullif(trim("credits"), '') AS JSON)) <> 'ARRAY' OR len(CAST(json_extract_string(TRY_CAST(nullif(trim("credits"), '') AS JSON), '$[*].amount') AS VARCHAR[])) <> json_array_length(TRY_CAST(nullif(trim("credits"), '') AS JSON)) OR len(list_filter(CAST(json_extract_string(TRY_CAST(nullif(trim("credits"), '') AS JSON), '$[*].amount') AS VARCHAR[]), lambda x: x IS NULL OR TRY_CAST(x AS DECIMAL(38, 10)) IS NULL OR abs(TRY_CAST(x AS DOUBLE)) >= 1e18)) > 0)
is neither JSON nor a Python literal list [credits] ("credits") <=
    "credits" IS NOT NULL AND trim("credits") <> '' AND TRY_CAST(nullif(trim("credits"), '') AS JSON) IS NULL
is not an invoice month YYYYMM [invoice.month] (CAST("invoice.month" AS VARCHAR)) <=
    CAST("invoice.month" AS VARCHAR) IS NOT NULL AND NOT regexp_full_match(CAST("invoice.month" AS VARCHAR), '\d{4}(0[1-9]|1[0-2])')
is not a known cost_type (regular, tax, adjustment, rounding_error) [cost_type] (coalesce("cost_type", 'regular')) <=
    coalesce("cost_type", 'regular') NOT IN ('regular', 'tax', 'adjustment', 'rounding_error')
is not a timestamp [usage_start_time] ("usage_start_time") <=
    "usage_start_time" IS NOT NULL AND TRY_CAST("usage_start_time" AS TIMESTAMPTZ) IS NULL
timestamp has a UTC offset beyond ±14:00 [usage_start_time] ("usage_start_time") <=
    "usage_start_time" IS NOT NULL AND (regexp_matches(trim(CAST(("usage_start_time") AS VARCHAR)), $__bad_offset))
timestamp is outside 2000-01-01 … 2028-12-09 [usage_start_time] ("usage_start_time") <=
    "usage_start_time" IS NOT NULL AND (NOT ((TRY_CAST("usage_start_time" AS TIMESTAMPTZ)) >= $__earliest AND (TRY_CAST("usage_start_time" AS TIMESTAMPTZ)) < $__latest))
is not a timestamp [usage_end_time] ("usage_end_time") <=
    "usage_end_time" IS NOT NULL AND TRY_CAST("usage_end_time" AS TIMESTAMPTZ) IS NULL
timestamp has a UTC offset beyond ±14:00 [usage_end_time] ("usage_end_time") <=
    "usage_end_time" IS NOT NULL AND (regexp_matches(trim(CAST(("usage_end_time") AS VARCHAR)), $__bad_offset))
timestamp is outside 2000-01-01 … 2028-12-09 [usage_end_time] ("usage_end_time") <=
    "usage_end_time" IS NOT NULL AND (NOT ((TRY_CAST("usage_end_time" AS TIMESTAMPTZ)) >= $__earliest AND (TRY_CAST("usage_end_time" AS TIMESTAMPTZ)) < $__latest))
is not a finite number [usage.amount] ("usage.amount") <=
    "usage.amount" IS NOT NULL AND NOT coalesce(isfinite(TRY_CAST("usage.amount" AS DOUBLE)), false)
is not a finite number [usage.amount_in_pricing_units] ("usage.amount_in_pricing_units") <=
    "usage.amount_in_pricing_units" IS NOT NULL AND NOT coalesce(isfinite(TRY_CAST("usage.amount_in_pricing_units" AS DOUBLE)), false)
is not a JSON array of {key, value} labels [labels] (CAST(TRY_CAST(nullif(trim("labels"), '') AS JSON) AS VARCHAR)) <=
    TRY_CAST(nullif(trim("labels"), '') AS JSON) IS NOT NULL AND (json_type(TRY_CAST(nullif(trim("labels"), '') AS JSON)) <> 'ARRAY' OR len(list_filter(CAST(json_extract(TRY_CAST(nullif(trim("labels"), '') AS JSON), '$[*]') AS JSON[]), lambda x: json_type(x) <> 'OBJECT' OR json_extract_string(x, '$.key') IS NULL)) > 0)
is not a JSON array of {key, value} labels [system_labels] (CAST(TRY_CAST(nullif(trim("system_labels"), '') AS JSON) AS VARCHAR)) <=
    TRY_CAST(nullif(trim("system_labels"), '') AS JSON) IS NOT NULL AND (json_type(TRY_CAST(nullif(trim("system_labels"), '') AS JSON)) <> 'ARRAY' OR len(list_filter(CAST(json_extract(TRY_CAST(nullif(trim("system_labels"), '') AS JSON), '$[*]') AS JSON[]), lambda x: json_type(x) <> 'OBJECT' OR json_extract_string(x, '$.key') IS NULL)) > 0)
is not a JSON array of {key, value} labels [project.labels] (CAST(TRY_CAST(nullif(trim("project.labels"), '') AS JSON) AS VARCHAR)) <=
    TRY_CAST(nullif(trim("project.labels"), '') AS JSON) IS NOT NULL AND (json_type(TRY_CAST(nullif(trim("project.labels"), '') AS JSON)) <> 'ARRAY' OR len(list_filter(CAST(json_extract(TRY_CAST(nullif(trim("project.labels"), '') AS JSON), '$[*]') AS JSON[]), lambda x: json_type(x) <> 'OBJECT' OR json_extract_string(x, '$.key') IS NULL)) > 0)
is not a JSON array of {resource_name, display_name} objects [project.ancestors] (CAST(NULL AS VARCHAR)) <=
    NULL IS NOT NULL AND (json_type(NULL) <> 'ARRAY' OR len(list_filter(CAST(json_extract(NULL, '$[*]') AS JSON[]), lambda x: json_type(x) <> 'OBJECT')) > 0)
is neither JSON nor a Python literal list [labels] ("labels") <=
    "labels" IS NOT NULL AND trim("labels") <> '' AND TRY_CAST(nullif(trim("labels"), '') AS JSON) IS NULL
is neither JSON nor a Python literal list [system_labels] ("system_labels") <=
    "system_labels" IS NOT NULL AND trim("system_labels") <> '' AND TRY_CAST(nullif(trim("system_labels"), '') AS JSON) IS NULL
is neither JSON nor a Python literal list [project.labels] ("project.labels") <=
    "project.labels" IS NOT NULL AND trim("project.labels") <> '' AND TRY_CAST(nullif(trim("project.labels"), '') AS JSON) IS NULL

-- 3 bound parameters
$__categories = ['Compute', 'Compute', 'Compute', 'Compute', 'Compute', 'Storage', 'Storage', 'Databases', 'Databases', 'Databases', 'Databases', 'Databases', 'Analytics', 'Analytics', 'Analytics', 'Integration', 'Networking', 'Networking', 'Networking', 'Networking', 'Management and Governance', 'Management and Governance', 'AI and Machine Learning', 'Security', 'Security', 'Developer Tools', 'Developer Tools']
$__services = ['Compute Engine', 'Kubernetes Engine', 'Cloud Run', 'Cloud Functions', 'App Engine', 'Cloud Storage', 'Filestore', 'Cloud SQL', 'Cloud Spanner', 'Cloud Bigtable', 'Firestore', 'Memorystore for Redis', 'BigQuery', 'Dataflow', 'Dataproc', 'Cloud Pub/Sub', 'Networking', 'Cloud DNS', 'Cloud CDN', 'Cloud Load Balancing', 'Cloud Logging', 'Cloud Monitoring', 'Vertex AI', 'Cloud Key Management Service (KMS)', 'Secret Manager', 'Artifact Registry', 'Cloud Build']
$__zone = 'America/Los_Angeles'
