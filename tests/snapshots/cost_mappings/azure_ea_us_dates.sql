-- azure_ea_us_dates: the FOCUS mapping generated for azure/ea_sample.csv, dates read as M/D/YYYY
-- (tests/unit/test_cost_mapping_snapshots.py; OPSREVIEW_UPDATE_SNAPSHOTS=1 regenerates)

-- 48 fields: cost column [source column, trusted] := expression
BilledCost [CostInBillingCurrency, trusted] :=
    TRY_CAST(("CostInBillingCurrency") AS DECIMAL(38, 18))
EffectiveCost [CostInBillingCurrency, trusted] :=
    CASE WHEN "ChargeType" = 'Purchase' AND coalesce(nullif("ReservationId", ''), nullif("benefitId", '')) IS NOT NULL THEN 0 ELSE TRY_CAST(("CostInBillingCurrency") AS DECIMAL(38, 18)) END
ListCost [PayGPrice] :=
    coalesce(TRY_CAST((NULL) AS DECIMAL(38, 18)), TRY_CAST("PayGPrice" AS DOUBLE) * TRY_CAST("Quantity" AS DOUBLE), TRY_CAST(("CostInBillingCurrency") AS DECIMAL(38, 18)))
ContractedCost [UnitPrice] :=
    coalesce(TRY_CAST("UnitPrice" AS DOUBLE) * TRY_CAST("Quantity" AS DOUBLE), TRY_CAST(("CostInBillingCurrency") AS DECIMAL(38, 18)))
BillingAccountId [BillingAccountId] :=
    nullif(trim("BillingAccountId"), '')
BillingAccountName [] :=
    "BillingAccountName"
BillingCurrency [BillingCurrencyCode] :=
    upper(trim("BillingCurrencyCode"))
BillingPeriodStart [BillingPeriodStartDate, trusted] :=
    timezone('UTC', TRY_STRPTIME(trim("BillingPeriodStartDate"), '%m/%d/%Y'))
BillingPeriodEnd [BillingPeriodEndDate, trusted] :=
    timezone('UTC', TRY_STRPTIME(trim("BillingPeriodEndDate"), '%m/%d/%Y')) + INTERVAL 1 DAY
ChargePeriodStart [Date, trusted] :=
    timezone('UTC', TRY_STRPTIME(trim("Date"), '%m/%d/%Y'))
ChargePeriodEnd [Date, trusted] :=
    timezone('UTC', TRY_STRPTIME(trim("Date"), '%m/%d/%Y')) + INTERVAL 1 DAY
ChargeCategory [ChargeType] :=
    CASE WHEN "ChargeType" = 'Usage' THEN 'Usage' WHEN "ChargeType" = 'UnusedReservation' THEN 'Usage' WHEN "ChargeType" = 'UnusedSavingsPlan' THEN 'Usage' WHEN "ChargeType" = 'Purchase' THEN 'Purchase' WHEN "ChargeType" = 'Tax' THEN 'Tax' WHEN "ChargeType" = 'Credit' THEN 'Credit' WHEN "ChargeType" = 'Refund' THEN 'Adjustment' WHEN "ChargeType" = 'RoundingAdjustment' THEN 'Adjustment' END
ChargeClass [] :=
    CASE WHEN "ChargeType" IN ('Refund', 'Credit') AND timezone('UTC', TRY_STRPTIME(trim("Date"), '%m/%d/%Y')) < timezone('UTC', TRY_STRPTIME(trim("BillingPeriodStartDate"), '%m/%d/%Y')) THEN 'Correction' END
ChargeDescription [] :=
    coalesce(nullif("ProductName", ''), nullif("MeterName", ''))
ChargeFrequency [] :=
    CASE WHEN "Frequency" = 'UsageBased' THEN 'Usage-Based' WHEN "Frequency" = 'Recurring' THEN 'Recurring' WHEN "Frequency" = 'OneTime' THEN 'One-Time' WHEN (CASE WHEN "ChargeType" = 'Usage' THEN 'Usage' WHEN "ChargeType" = 'UnusedReservation' THEN 'Usage' WHEN "ChargeType" = 'UnusedSavingsPlan' THEN 'Usage' WHEN "ChargeType" = 'Purchase' THEN 'Purchase' WHEN "ChargeType" = 'Tax' THEN 'Tax' WHEN "ChargeType" = 'Credit' THEN 'Credit' WHEN "ChargeType" = 'Refund' THEN 'Adjustment' WHEN "ChargeType" = 'RoundingAdjustment' THEN 'Adjustment' END) = 'Usage' THEN 'Usage-Based' END
CommitmentDiscountId [] :=
    CASE WHEN (coalesce("PricingModel", '') IN ('Reservation', 'SavingsPlan') OR "ChargeType" IN ('UnusedReservation', 'UnusedSavingsPlan')) OR "ChargeType" = 'Purchase' THEN coalesce(nullif("ReservationId", ''), nullif("benefitId", '')) END
CommitmentDiscountName [] :=
    CASE WHEN (coalesce("PricingModel", '') IN ('Reservation', 'SavingsPlan') OR "ChargeType" IN ('UnusedReservation', 'UnusedSavingsPlan')) OR "ChargeType" = 'Purchase' THEN coalesce(nullif("ReservationName", ''), nullif("benefitName", '')) END
CommitmentDiscountCategory [] :=
    CASE WHEN coalesce(nullif("ReservationId", ''), nullif("benefitId", '')) IS NULL THEN NULL WHEN (coalesce("PricingModel", '') = 'SavingsPlan' OR "ChargeType" = 'UnusedSavingsPlan') THEN 'Spend' WHEN (coalesce("PricingModel", '') IN ('Reservation', 'SavingsPlan') OR "ChargeType" IN ('UnusedReservation', 'UnusedSavingsPlan')) THEN 'Usage' END
CommitmentDiscountType [] :=
    CASE WHEN coalesce(nullif("ReservationId", ''), nullif("benefitId", '')) IS NULL THEN NULL WHEN (coalesce("PricingModel", '') = 'SavingsPlan' OR "ChargeType" = 'UnusedSavingsPlan') THEN 'Savings Plan' WHEN (coalesce("PricingModel", '') IN ('Reservation', 'SavingsPlan') OR "ChargeType" IN ('UnusedReservation', 'UnusedSavingsPlan')) THEN 'Reservation' END
CommitmentDiscountStatus [] :=
    CASE WHEN coalesce(nullif("ReservationId", ''), nullif("benefitId", '')) IS NULL THEN NULL WHEN "ChargeType" IN ('UnusedReservation', 'UnusedSavingsPlan') THEN 'Unused' WHEN (coalesce("PricingModel", '') IN ('Reservation', 'SavingsPlan') OR "ChargeType" IN ('UnusedReservation', 'UnusedSavingsPlan')) AND "ChargeType" = 'Usage' THEN 'Used' END
PricingCategory [] :=
    CASE WHEN "ChargeType" IN ('Tax', 'Credit', 'Refund', 'RoundingAdjustment') THEN NULL WHEN (coalesce("PricingModel", '') IN ('Reservation', 'SavingsPlan') OR "ChargeType" IN ('UnusedReservation', 'UnusedSavingsPlan')) THEN 'Committed' WHEN coalesce("PricingModel", '') = 'Spot' THEN 'Dynamic' ELSE 'Standard' END
PricingQuantity [trusted] :=
    TRY_CAST("Quantity" AS DOUBLE)
PricingUnit [] :=
    "UnitOfMeasure"
ConsumedQuantity [trusted] :=
    CASE WHEN "ChargeType" = 'Usage' THEN TRY_CAST("Quantity" AS DOUBLE) END
ConsumedUnit [] :=
    CASE WHEN "ChargeType" = 'Usage' THEN "UnitOfMeasure" END
ListUnitPrice [trusted] :=
    TRY_CAST("PayGPrice" AS DOUBLE)
ContractedUnitPrice [trusted] :=
    TRY_CAST("UnitPrice" AS DOUBLE)
PricingCurrency [] :=
    nullif(upper(trim(NULL)), '')
InvoiceId [] :=
    nullif(NULL, '')
InvoiceIssuerName [trusted] :=
    'Microsoft'
ProviderName [trusted] :=
    'Microsoft'
ServiceProviderName [trusted] :=
    'Microsoft'
PublisherName [] :=
    CASE WHEN coalesce("PublisherType", 'Azure') IN ('Azure', 'Microsoft') THEN 'Microsoft' ELSE coalesce(nullif("PublisherName", ''), "PublisherType") END
AvailabilityZone [] :=
    nullif("AvailabilityZone", '')
RegionId [] :=
    nullif(lower(replace("ResourceLocation", ' ', '')), '')
RegionName [] :=
    nullif("ResourceLocation", '')
ResourceId [] :=
    nullif("ResourceId", '')
ResourceName [] :=
    nullif("ResourceName", '')
ServiceName [] :=
    coalesce(nullif("MeterCategory", ''), 'Unknown')
ServiceCategory [] :=
    coalesce(list_extract($__categories, list_position($__services, nullif("MeterCategory", ''))), 'Other')
SkuId [] :=
    nullif("MeterId", '')
SkuMeter [] :=
    nullif("MeterName", '')
SubAccountId [] :=
    nullif("SubscriptionId", '')
SubAccountName [] :=
    nullif("SubscriptionName", '')
Tags [trusted] :=
    CASE WHEN coalesce(len(list_transform(list_filter(list_transform(map_entries(TRY_CAST(TRY_CAST((CASE WHEN trim("Tags") = '' THEN NULL WHEN starts_with(ltrim("Tags"), '{') THEN "Tags" ELSE '{' || "Tags" || '}' END) AS JSON) AS MAP(VARCHAR, JSON))), lambda e: {'key': trim(e.key), 'value': e.value}), lambda e: e.value IS NOT NULL AND e.key IS NOT NULL AND e.key <> ''), lambda e: e.key)), 0) = 0 THEN NULL WHEN len(list_distinct(list_transform(list_filter(list_transform(map_entries(TRY_CAST(TRY_CAST((CASE WHEN trim("Tags") = '' THEN NULL WHEN starts_with(ltrim("Tags"), '{') THEN "Tags" ELSE '{' || "Tags" || '}' END) AS JSON) AS MAP(VARCHAR, JSON))), lambda e: {'key': trim(e.key), 'value': e.value}), lambda e: e.value IS NOT NULL AND e.key IS NOT NULL AND e.key <> ''), lambda e: e.key))) = len(list_transform(list_filter(list_transform(map_entries(TRY_CAST(TRY_CAST((CASE WHEN trim("Tags") = '' THEN NULL WHEN starts_with(ltrim("Tags"), '{') THEN "Tags" ELSE '{' || "Tags" || '}' END) AS JSON) AS MAP(VARCHAR, JSON))), lambda e: {'key': trim(e.key), 'value': e.value}), lambda e: e.value IS NOT NULL AND e.key IS NOT NULL AND e.key <> ''), lambda e: e.key)) THEN CAST(to_json(map(list_transform(list_filter(list_transform(map_entries(TRY_CAST(TRY_CAST((CASE WHEN trim("Tags") = '' THEN NULL WHEN starts_with(ltrim("Tags"), '{') THEN "Tags" ELSE '{' || "Tags" || '}' END) AS JSON) AS MAP(VARCHAR, JSON))), lambda e: {'key': trim(e.key), 'value': e.value}), lambda e: e.value IS NOT NULL AND e.key IS NOT NULL AND e.key <> ''), lambda e: e.key), list_transform(list_filter(list_transform(map_entries(TRY_CAST(TRY_CAST((CASE WHEN trim("Tags") = '' THEN NULL WHEN starts_with(ltrim("Tags"), '{') THEN "Tags" ELSE '{' || "Tags" || '}' END) AS JSON) AS MAP(VARCHAR, JSON))), lambda e: {'key': trim(e.key), 'value': e.value}), lambda e: e.value IS NOT NULL AND e.key IS NOT NULL AND e.key <> ''), lambda e: e.value))) AS VARCHAR) ELSE CAST(to_json(map_from_entries(list_filter(list_filter(list_transform(map_entries(TRY_CAST(TRY_CAST((CASE WHEN trim("Tags") = '' THEN NULL WHEN starts_with(ltrim("Tags"), '{') THEN "Tags" ELSE '{' || "Tags" || '}' END) AS JSON) AS MAP(VARCHAR, JSON))), lambda e: {'key': trim(e.key), 'value': e.value}), lambda e: e.value IS NOT NULL AND e.key IS NOT NULL AND e.key <> ''), lambda e, i: list_position(list_transform(list_filter(list_transform(map_entries(TRY_CAST(TRY_CAST((CASE WHEN trim("Tags") = '' THEN NULL WHEN starts_with(ltrim("Tags"), '{') THEN "Tags" ELSE '{' || "Tags" || '}' END) AS JSON) AS MAP(VARCHAR, JSON))), lambda e: {'key': trim(e.key), 'value': e.value}), lambda e: e.value IS NOT NULL AND e.key IS NOT NULL AND e.key <> ''), lambda x: x.key), e.key) = i))) AS VARCHAR) END
x_UsageType [] :=
    nullif("MeterName", '')
x_ResourceGroupName [] :=
    nullif("ResourceGroup", '')
x_SourceLineItemType [] :=
    "ChargeType"

-- 10 checks: message [column] (shown value) <= predicate true on a bad row
is not a finite amount [CostInBillingCurrency] ("CostInBillingCurrency") <=
    "CostInBillingCurrency" IS NOT NULL AND (TRY_CAST("CostInBillingCurrency" AS DECIMAL(38, 10)) IS NULL OR abs(TRY_CAST("CostInBillingCurrency" AS DOUBLE)) >= 1e18)
is not a finite number [Quantity] ("Quantity") <=
    "Quantity" IS NOT NULL AND NOT coalesce(isfinite(TRY_CAST("Quantity" AS DOUBLE)), false)
is not a finite number [UnitPrice] ("UnitPrice") <=
    "UnitPrice" IS NOT NULL AND NOT coalesce(isfinite(TRY_CAST("UnitPrice" AS DOUBLE)), false)
is not a finite number [PayGPrice] ("PayGPrice") <=
    "PayGPrice" IS NOT NULL AND NOT coalesce(isfinite(TRY_CAST("PayGPrice" AS DOUBLE)), false)
is not a finite number [EffectivePrice] ("EffectivePrice") <=
    "EffectivePrice" IS NOT NULL AND NOT coalesce(isfinite(TRY_CAST("EffectivePrice" AS DOUBLE)), false)
is not a date (M/D/YYYY) [Date] ("Date") <=
    "Date" IS NOT NULL AND timezone('UTC', TRY_STRPTIME(trim("Date"), '%m/%d/%Y')) IS NULL
is not a date (M/D/YYYY) [BillingPeriodStartDate] ("BillingPeriodStartDate") <=
    "BillingPeriodStartDate" IS NOT NULL AND timezone('UTC', TRY_STRPTIME(trim("BillingPeriodStartDate"), '%m/%d/%Y')) IS NULL
is not a date (M/D/YYYY) [BillingPeriodEndDate] ("BillingPeriodEndDate") <=
    "BillingPeriodEndDate" IS NOT NULL AND timezone('UTC', TRY_STRPTIME(trim("BillingPeriodEndDate"), '%m/%d/%Y')) IS NULL
is not a known ChargeType (Usage, UnusedReservation, UnusedSavingsPlan, Purchase, Tax, Credit, Refund, RoundingAdjustment) [ChargeType] ("ChargeType") <=
    "ChargeType" IS NOT NULL AND "ChargeType" NOT IN ('Usage', 'UnusedReservation', 'UnusedSavingsPlan', 'Purchase', 'Tax', 'Credit', 'Refund', 'RoundingAdjustment')
is not a JSON object with unique keys [Tags] ("Tags") <=
    "Tags" IS NOT NULL AND trim("Tags") <> '' AND TRY_CAST(TRY_CAST((CASE WHEN trim("Tags") = '' THEN NULL WHEN starts_with(ltrim("Tags"), '{') THEN "Tags" ELSE '{' || "Tags" || '}' END) AS JSON) AS MAP(VARCHAR, JSON)) IS NULL

-- 2 bound parameters
$__categories = ['Compute', 'Compute', 'Compute', 'Compute', 'Compute', 'Compute', 'Storage', 'Storage', 'Networking', 'Networking', 'Networking', 'Networking', 'Networking', 'Networking', 'Networking', 'Networking', 'Networking', 'Databases', 'Databases', 'Databases', 'Databases', 'Databases', 'Management and Governance', 'Management and Governance', 'Management and Governance', 'Security', 'Security', 'Analytics', 'Analytics', 'Integration', 'Integration', 'Integration', 'AI and Machine Learning', 'AI and Machine Learning', 'AI and Machine Learning']
$__services = ['Virtual Machines', 'Azure App Service', 'Functions', 'Container Instances', 'Azure Kubernetes Service', 'Virtual Machines Licenses', 'Storage', 'Backup', 'Virtual Network', 'Bandwidth', 'Load Balancer', 'Application Gateway', 'Azure DNS', 'Content Delivery Network', 'Azure Front Door Service', 'VPN Gateway', 'Network Watcher', 'SQL Database', 'Azure Cosmos DB', 'Azure Database for PostgreSQL', 'Azure Database for MySQL', 'Redis Cache', 'Azure Monitor', 'Log Analytics', 'Insight and Analytics', 'Key Vault', 'Microsoft Defender for Cloud', 'Azure Synapse Analytics', 'Azure Data Factory v2', 'Event Hubs', 'Service Bus', 'Logic Apps', 'Cognitive Services', 'Azure OpenAI Service', 'Azure Machine Learning']
