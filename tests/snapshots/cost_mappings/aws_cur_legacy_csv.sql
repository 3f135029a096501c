-- aws_cur_legacy_csv: the FOCUS mapping generated for aws/cur_legacy_sample.csv
-- (tests/unit/test_cost_mapping_snapshots.py; OPSREVIEW_UPDATE_SNAPSHOTS=1 regenerates)

-- 47 fields: cost column [source column, trusted] := expression
BilledCost [lineItem/UnblendedCost, trusted] :=
    coalesce(TRY_CAST((NULL) AS DECIMAL(38, 18)), TRY_CAST(("lineItem/UnblendedCost") AS DECIMAL(38, 18)))
EffectiveCost [lineItem/UnblendedCost, trusted] :=
    CASE "lineItem/LineItemType" WHEN 'SavingsPlanCoveredUsage' THEN coalesce(TRY_CAST((NULL) AS DECIMAL(38, 18)), TRY_CAST(("savingsPlan/SavingsPlanEffectiveCost") AS DECIMAL(38, 18)), 0) WHEN 'SavingsPlanRecurringFee' THEN coalesce(TRY_CAST(("savingsPlan/TotalCommitmentToDate") AS DECIMAL(38, 18)), 0) - coalesce(TRY_CAST(("savingsPlan/UsedCommitment") AS DECIMAL(38, 18)), 0) WHEN 'SavingsPlanNegation' THEN 0 WHEN 'SavingsPlanUpfrontFee' THEN 0 WHEN 'DiscountedUsage' THEN coalesce(TRY_CAST((NULL) AS DECIMAL(38, 18)), TRY_CAST(("reservation/EffectiveCost") AS DECIMAL(38, 18)), 0) WHEN 'RIFee' THEN coalesce(TRY_CAST(("reservation/UnusedAmortizedUpfrontFeeForBillingPeriod") AS DECIMAL(38, 18)), 0) + coalesce(TRY_CAST(("reservation/UnusedRecurringFee") AS DECIMAL(38, 18)), 0) WHEN 'Fee' THEN CASE WHEN nullif(NULL, '') IS NOT NULL THEN 0 ELSE coalesce(TRY_CAST((NULL) AS DECIMAL(38, 18)), TRY_CAST(("lineItem/UnblendedCost") AS DECIMAL(38, 18))) END ELSE coalesce(TRY_CAST((NULL) AS DECIMAL(38, 18)), TRY_CAST(("lineItem/UnblendedCost") AS DECIMAL(38, 18))) END
ListCost [pricing/publicOnDemandCost, trusted] :=
    CASE WHEN "lineItem/LineItemType" = 'SavingsPlanNegation' THEN 0 ELSE coalesce(TRY_CAST(("pricing/publicOnDemandCost") AS DECIMAL(38, 18)), coalesce(TRY_CAST((NULL) AS DECIMAL(38, 18)), TRY_CAST(("lineItem/UnblendedCost") AS DECIMAL(38, 18)))) END
ContractedCost [lineItem/UnblendedCost, trusted] :=
    CASE WHEN list_contains(['SavingsPlanCoveredUsage', 'DiscountedUsage'], "lineItem/LineItemType") THEN coalesce(TRY_CAST(("pricing/publicOnDemandCost") AS DECIMAL(38, 18)), TRY_CAST(("lineItem/UnblendedCost") AS DECIMAL(38, 18))) WHEN "lineItem/LineItemType" = 'SavingsPlanNegation' THEN 0 ELSE TRY_CAST(("lineItem/UnblendedCost") AS DECIMAL(38, 18)) END
BillingAccountId [bill/PayerAccountId] :=
    CAST("bill/PayerAccountId" AS VARCHAR)
BillingAccountName [] :=
    CAST(NULL AS VARCHAR)
BillingCurrency [lineItem/CurrencyCode] :=
    CAST("lineItem/CurrencyCode" AS VARCHAR)
BillingPeriodStart [bill/BillingPeriodStartDate, trusted] :=
    TRY_CAST("bill/BillingPeriodStartDate" AS TIMESTAMPTZ)
BillingPeriodEnd [bill/BillingPeriodEndDate, trusted] :=
    TRY_CAST("bill/BillingPeriodEndDate" AS TIMESTAMPTZ)
ChargePeriodStart [lineItem/UsageStartDate, trusted] :=
    TRY_CAST("lineItem/UsageStartDate" AS TIMESTAMPTZ)
ChargePeriodEnd [lineItem/UsageEndDate, trusted] :=
    TRY_CAST("lineItem/UsageEndDate" AS TIMESTAMPTZ)
ChargeCategory [lineItem/LineItemType] :=
    CASE WHEN "lineItem/LineItemType" = 'Tax' THEN 'Tax' WHEN "lineItem/LineItemType" = 'Credit' THEN 'Credit' WHEN "lineItem/LineItemType" = 'Refund' THEN 'Adjustment' WHEN list_contains(['Fee', 'RIFee', 'SavingsPlanUpfrontFee', 'SavingsPlanRecurringFee'], "lineItem/LineItemType") THEN CASE WHEN "lineItem/LineItemType" IN ('SavingsPlanRecurringFee', 'RIFee') AND coalesce(TRY_CAST((NULL) AS DECIMAL(38, 18)), TRY_CAST(("lineItem/UnblendedCost") AS DECIMAL(38, 18))) = 0 THEN 'Usage' ELSE 'Purchase' END WHEN list_contains(['Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage', 'SavingsPlanNegation', 'BundledDiscount', 'Discount', 'PrivateRateDiscount', 'EdpDiscount'], "lineItem/LineItemType") THEN 'Usage' END
ChargeClass [] :=
    CASE WHEN "lineItem/LineItemType" IN ('Credit', 'Refund') AND TRY_CAST("lineItem/UsageStartDate" AS TIMESTAMPTZ) < TRY_CAST("bill/BillingPeriodStartDate" AS TIMESTAMPTZ) THEN 'Correction' END
ChargeDescription [] :=
    CAST("lineItem/LineItemDescription" AS VARCHAR)
ChargeFrequency [] :=
    CASE WHEN (CASE WHEN "lineItem/LineItemType" = 'Tax' THEN 'Tax' WHEN "lineItem/LineItemType" = 'Credit' THEN 'Credit' WHEN "lineItem/LineItemType" = 'Refund' THEN 'Adjustment' WHEN list_contains(['Fee', 'RIFee', 'SavingsPlanUpfrontFee', 'SavingsPlanRecurringFee'], "lineItem/LineItemType") THEN CASE WHEN "lineItem/LineItemType" IN ('SavingsPlanRecurringFee', 'RIFee') AND coalesce(TRY_CAST((NULL) AS DECIMAL(38, 18)), TRY_CAST(("lineItem/UnblendedCost") AS DECIMAL(38, 18))) = 0 THEN 'Usage' ELSE 'Purchase' END WHEN list_contains(['Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage', 'SavingsPlanNegation', 'BundledDiscount', 'Discount', 'PrivateRateDiscount', 'EdpDiscount'], "lineItem/LineItemType") THEN 'Usage' END) = 'Usage' THEN 'Usage-Based' WHEN "lineItem/LineItemType" IN ('SavingsPlanRecurringFee', 'RIFee') THEN 'Recurring' WHEN "lineItem/LineItemType" IN ('Fee', 'Tax') AND TRY_CAST("lineItem/UsageStartDate" AS TIMESTAMPTZ) = TRY_CAST("bill/BillingPeriodStartDate" AS TIMESTAMPTZ) AND TRY_CAST("lineItem/UsageEndDate" AS TIMESTAMPTZ) = TRY_CAST("bill/BillingPeriodEndDate" AS TIMESTAMPTZ) THEN 'Recurring' ELSE 'One-Time' END
CommitmentDiscountId [] :=
    CASE WHEN list_contains(['SavingsPlanCoveredUsage', 'SavingsPlanRecurringFee', 'SavingsPlanNegation', 'SavingsPlanUpfrontFee'], "lineItem/LineItemType") THEN nullif("savingsPlan/SavingsPlanARN", '') WHEN (list_contains(['DiscountedUsage', 'RIFee'], "lineItem/LineItemType") OR ("lineItem/LineItemType" = 'Fee' AND nullif(NULL, '') IS NOT NULL)) THEN nullif(NULL, '') END
CommitmentDiscountType [] :=
    CASE WHEN list_contains(['SavingsPlanCoveredUsage', 'SavingsPlanRecurringFee', 'SavingsPlanNegation', 'SavingsPlanUpfrontFee'], "lineItem/LineItemType") AND nullif("savingsPlan/SavingsPlanARN", '') IS NOT NULL THEN 'Savings Plan' WHEN (list_contains(['DiscountedUsage', 'RIFee'], "lineItem/LineItemType") OR ("lineItem/LineItemType" = 'Fee' AND nullif(NULL, '') IS NOT NULL)) AND nullif(NULL, '') IS NOT NULL THEN 'Reserved Instance' END
CommitmentDiscountCategory [] :=
    CASE WHEN list_contains(['SavingsPlanCoveredUsage', 'SavingsPlanRecurringFee', 'SavingsPlanNegation', 'SavingsPlanUpfrontFee'], "lineItem/LineItemType") AND nullif("savingsPlan/SavingsPlanARN", '') IS NOT NULL THEN 'Spend' WHEN (list_contains(['DiscountedUsage', 'RIFee'], "lineItem/LineItemType") OR ("lineItem/LineItemType" = 'Fee' AND nullif(NULL, '') IS NOT NULL)) AND nullif(NULL, '') IS NOT NULL THEN 'Usage' END
CommitmentDiscountStatus [] :=
    CASE WHEN (list_contains(['SavingsPlanCoveredUsage', 'DiscountedUsage'], "lineItem/LineItemType") OR "lineItem/LineItemType" = 'SavingsPlanNegation') AND coalesce(nullif("savingsPlan/SavingsPlanARN", ''), nullif(NULL, '')) IS NOT NULL THEN 'Used' WHEN (list_contains(['SavingsPlanRecurringFee', 'RIFee'], "lineItem/LineItemType") AND (coalesce(TRY_CAST((NULL) AS DECIMAL(38, 18)), TRY_CAST(("lineItem/UnblendedCost") AS DECIMAL(38, 18))) = 0 OR (CASE "lineItem/LineItemType" WHEN 'SavingsPlanCoveredUsage' THEN coalesce(TRY_CAST((NULL) AS DECIMAL(38, 18)), TRY_CAST(("savingsPlan/SavingsPlanEffectiveCost") AS DECIMAL(38, 18)), 0) WHEN 'SavingsPlanRecurringFee' THEN coalesce(TRY_CAST(("savingsPlan/TotalCommitmentToDate") AS DECIMAL(38, 18)), 0) - coalesce(TRY_CAST(("savingsPlan/UsedCommitment") AS DECIMAL(38, 18)), 0) WHEN 'SavingsPlanNegation' THEN 0 WHEN 'SavingsPlanUpfrontFee' THEN 0 WHEN 'DiscountedUsage' THEN coalesce(TRY_CAST((NULL) AS DECIMAL(38, 18)), TRY_CAST(("reservation/EffectiveCost") AS DECIMAL(38, 18)), 0) WHEN 'RIFee' THEN coalesce(TRY_CAST(("reservation/UnusedAmortizedUpfrontFeeForBillingPeriod") AS DECIMAL(38, 18)), 0) + coalesce(TRY_CAST(("reservation/UnusedRecurringFee") AS DECIMAL(38, 18)), 0) WHEN 'Fee' THEN CASE WHEN nullif(NULL, '') IS NOT NULL THEN 0 ELSE coalesce(TRY_CAST((NULL) AS DECIMAL(38, 18)), TRY_CAST(("lineItem/UnblendedCost") AS DECIMAL(38, 18))) END ELSE coalesce(TRY_CAST((NULL) AS DECIMAL(38, 18)), TRY_CAST(("lineItem/UnblendedCost") AS DECIMAL(38, 18))) END) <> 0)) AND coalesce(nullif("savingsPlan/SavingsPlanARN", ''), nullif(NULL, '')) IS NOT NULL THEN 'Unused' END
PricingCategory [] :=
    CASE WHEN "lineItem/LineItemType" IN ('Tax', 'Credit', 'Refund') THEN NULL WHEN list_contains(['SavingsPlanCoveredUsage', 'DiscountedUsage'], "lineItem/LineItemType") OR "lineItem/LineItemType" = 'SavingsPlanNegation' OR ((CASE WHEN "lineItem/LineItemType" = 'Tax' THEN 'Tax' WHEN "lineItem/LineItemType" = 'Credit' THEN 'Credit' WHEN "lineItem/LineItemType" = 'Refund' THEN 'Adjustment' WHEN list_contains(['Fee', 'RIFee', 'SavingsPlanUpfrontFee', 'SavingsPlanRecurringFee'], "lineItem/LineItemType") THEN CASE WHEN "lineItem/LineItemType" IN ('SavingsPlanRecurringFee', 'RIFee') AND coalesce(TRY_CAST((NULL) AS DECIMAL(38, 18)), TRY_CAST(("lineItem/UnblendedCost") AS DECIMAL(38, 18))) = 0 THEN 'Usage' ELSE 'Purchase' END WHEN list_contains(['Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage', 'SavingsPlanNegation', 'BundledDiscount', 'Discount', 'PrivateRateDiscount', 'EdpDiscount'], "lineItem/LineItemType") THEN 'Usage' END) = 'Usage' AND list_contains(['SavingsPlanRecurringFee', 'RIFee'], "lineItem/LineItemType")) THEN 'Committed' WHEN "pricing/term" = 'Spot' OR contains(coalesce("lineItem/UsageType", ''), 'SpotUsage') THEN 'Dynamic' ELSE 'Standard' END
PricingQuantity [trusted] :=
    TRY_CAST("lineItem/UsageAmount" AS DOUBLE)
PricingUnit [] :=
    CAST("pricing/unit" AS VARCHAR)
ConsumedQuantity [trusted] :=
    CASE WHEN list_contains(['Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage'], "lineItem/LineItemType") THEN TRY_CAST("lineItem/UsageAmount" AS DOUBLE) END
ConsumedUnit [] :=
    CASE WHEN list_contains(['Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage'], "lineItem/LineItemType") THEN CAST("pricing/unit" AS VARCHAR) END
ListUnitPrice [trusted] :=
    TRY_CAST("pricing/publicOnDemandRate" AS DOUBLE)
ContractedUnitPrice [trusted] :=
    CASE WHEN list_contains(['SavingsPlanCoveredUsage', 'DiscountedUsage'], "lineItem/LineItemType") THEN TRY_CAST("pricing/publicOnDemandRate" AS DOUBLE) WHEN "lineItem/LineItemType" = 'SavingsPlanNegation' THEN NULL ELSE TRY_CAST("lineItem/UnblendedRate" AS DOUBLE) END
InvoiceId [] :=
    nullif(CAST("bill/InvoiceId" AS VARCHAR), '')
InvoiceIssuerName [] :=
    coalesce(CAST("bill/InvoicingEntity" AS VARCHAR), 'Amazon Web Services')
ProviderName [trusted] :=
    'AWS'
ServiceProviderName [trusted] :=
    'AWS'
PublisherName [] :=
    CASE WHEN "bill/BillingEntity" = 'AWS Marketplace' THEN coalesce(CAST("lineItem/LegalEntity" AS VARCHAR), 'AWS Marketplace') ELSE 'Amazon Web Services' END
AvailabilityZone [] :=
    nullif(CAST("lineItem/AvailabilityZone" AS VARCHAR), '')
RegionId [] :=
    nullif(CAST(coalesce("product/regionCode", "product/region") AS VARCHAR), '')
RegionName [] :=
    nullif(CAST("product/location" AS VARCHAR), '')
ResourceId [] :=
    nullif(CAST(NULL AS VARCHAR), '')
ServiceName [] :=
    coalesce(nullif(CAST("product/ProductName" AS VARCHAR), ''), CAST("lineItem/ProductCode" AS VARCHAR))
ServiceCategory [] :=
    coalesce(list_extract($__categories, list_position($__codes, CAST("lineItem/ProductCode" AS VARCHAR))), 'Other')
SkuId [] :=
    nullif(CAST("product/sku" AS VARCHAR), '')
SkuPriceId [] :=
    nullif(CAST("pricing/RateId" AS VARCHAR), '')
SubAccountId [] :=
    CAST("lineItem/UsageAccountId" AS VARCHAR)
SubAccountName [] :=
    CAST(NULL AS VARCHAR)
Tags [trusted] :=
    NULL
x_UsageType [] :=
    nullif(CAST("lineItem/UsageType" AS VARCHAR), '')
x_Operation [] :=
    nullif(CAST("lineItem/Operation" AS VARCHAR), '')
x_CostCategories [trusted] :=
    NULL
x_Discounts [trusted] :=
    NULL
x_SourceLineItemType [] :=
    CAST("lineItem/LineItemType" AS VARCHAR)

-- 16 checks: message [column] (shown value) <= predicate true on a bad row
is not a known LineItemType [lineItem/LineItemType] ("lineItem/LineItemType") <=
    "lineItem/LineItemType" IS NOT NULL AND "lineItem/LineItemType" NOT IN ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage', 'SavingsPlanNegation', 'BundledDiscount', 'Discount', 'PrivateRateDiscount', 'EdpDiscount', 'Fee', 'RIFee', 'SavingsPlanUpfrontFee', 'SavingsPlanRecurringFee', 'Tax', 'Credit', 'Refund')
is not a finite amount [lineItem/UnblendedCost] ("lineItem/UnblendedCost") <=
    "lineItem/UnblendedCost" IS NOT NULL AND (TRY_CAST("lineItem/UnblendedCost" AS DECIMAL(38, 10)) IS NULL OR abs(TRY_CAST("lineItem/UnblendedCost" AS DOUBLE)) >= 1e18)
is not a finite amount [pricing/publicOnDemandCost] ("pricing/publicOnDemandCost") <=
    "pricing/publicOnDemandCost" IS NOT NULL AND (TRY_CAST("pricing/publicOnDemandCost" AS DECIMAL(38, 10)) IS NULL OR abs(TRY_CAST("pricing/publicOnDemandCost" AS DOUBLE)) >= 1e18)
is not a finite amount [savingsPlan/SavingsPlanEffectiveCost] ("savingsPlan/SavingsPlanEffectiveCost") <=
    "savingsPlan/SavingsPlanEffectiveCost" IS NOT NULL AND (TRY_CAST("savingsPlan/SavingsPlanEffectiveCost" AS DECIMAL(38, 10)) IS NULL OR abs(TRY_CAST("savingsPlan/SavingsPlanEffectiveCost" AS DOUBLE)) >= 1e18)
is not a finite amount [savingsPlan/TotalCommitmentToDate] ("savingsPlan/TotalCommitmentToDate") <=
    "savingsPlan/TotalCommitmentToDate" IS NOT NULL AND (TRY_CAST("savingsPlan/TotalCommitmentToDate" AS DECIMAL(38, 10)) IS NULL OR abs(TRY_CAST("savingsPlan/TotalCommitmentToDate" AS DOUBLE)) >= 1e18)
is not a finite amount [savingsPlan/UsedCommitment] ("savingsPlan/UsedCommitment") <=
    "savingsPlan/UsedCommitment" IS NOT NULL AND (TRY_CAST("savingsPlan/UsedCommitment" AS DECIMAL(38, 10)) IS NULL OR abs(TRY_CAST("savingsPlan/UsedCommitment" AS DOUBLE)) >= 1e18)
is not a finite amount [reservation/EffectiveCost] ("reservation/EffectiveCost") <=
    "reservation/EffectiveCost" IS NOT NULL AND (TRY_CAST("reservation/EffectiveCost" AS DECIMAL(38, 10)) IS NULL OR abs(TRY_CAST("reservation/EffectiveCost" AS DOUBLE)) >= 1e18)
is not a finite amount [reservation/UnusedAmortizedUpfrontFeeForBillingPeriod] ("reservation/UnusedAmortizedUpfrontFeeForBillingPeriod") <=
    "reservation/UnusedAmortizedUpfrontFeeForBillingPeriod" IS NOT NULL AND (TRY_CAST("reservation/UnusedAmortizedUpfrontFeeForBillingPeriod" AS DECIMAL(38, 10)) IS NULL OR abs(TRY_CAST("reservation/UnusedAmortizedUpfrontFeeForBillingPeriod" AS DOUBLE)) >= 1e18)
is not a finite amount [reservation/UnusedRecurringFee] ("reservation/UnusedRecurringFee") <=
    "reservation/UnusedRecurringFee" IS NOT NULL AND (TRY_CAST("reservation/UnusedRecurringFee" AS DECIMAL(38, 10)) IS NULL OR abs(TRY_CAST("reservation/UnusedRecurringFee" AS DOUBLE)) >= 1e18)
is not a finite number [lineItem/UsageAmount] ("lineItem/UsageAmount") <=
    "lineItem/UsageAmount" IS NOT NULL AND NOT coalesce(isfinite(TRY_CAST("lineItem/UsageAmount" AS DOUBLE)), false)
is not a finite number [lineItem/UnblendedRate] ("lineItem/UnblendedRate") <=
    "lineItem/UnblendedRate" IS NOT NULL AND NOT coalesce(isfinite(TRY_CAST("lineItem/UnblendedRate" AS DOUBLE)), false)
is not a finite number [pricing/publicOnDemandRate] ("pricing/publicOnDemandRate") <=
    "pricing/publicOnDemandRate" IS NOT NULL AND NOT coalesce(isfinite(TRY_CAST("pricing/publicOnDemandRate" AS DOUBLE)), false)
is not a timestamp [lineItem/UsageStartDate] ("lineItem/UsageStartDate") <=
    "lineItem/UsageStartDate" IS NOT NULL AND TRY_CAST("lineItem/UsageStartDate" AS TIMESTAMPTZ) IS NULL
is not a timestamp [lineItem/UsageEndDate] ("lineItem/UsageEndDate") <=
    "lineItem/UsageEndDate" IS NOT NULL AND TRY_CAST("lineItem/UsageEndDate" AS TIMESTAMPTZ) IS NULL
is not a timestamp [bill/BillingPeriodStartDate] ("bill/BillingPeriodStartDate") <=
    "bill/BillingPeriodStartDate" IS NOT NULL AND TRY_CAST("bill/BillingPeriodStartDate" AS TIMESTAMPTZ) IS NULL
is not a timestamp [bill/BillingPeriodEndDate] ("bill/BillingPeriodEndDate") <=
    "bill/BillingPeriodEndDate" IS NOT NULL AND TRY_CAST("bill/BillingPeriodEndDate" AS TIMESTAMPTZ) IS NULL

-- 2 bound parameters
$__categories = ['Compute', 'Compute', 'Compute', 'Compute', 'Compute', 'Compute', 'Compute', 'Storage', 'Storage', 'Storage', 'Storage', 'Storage', 'Databases', 'Databases', 'Databases', 'Databases', 'Databases', 'Databases', 'Networking', 'Networking', 'Networking', 'Networking', 'Networking', 'Networking', 'Networking', 'Web', 'Integration', 'Integration', 'Integration', 'Integration', 'Integration', 'Analytics', 'Analytics', 'Analytics', 'Analytics', 'Analytics', 'Analytics', 'AI and Machine Learning', 'AI and Machine Learning', 'AI and Machine Learning', 'Management and Governance', 'Management and Governance', 'Management and Governance', 'Management and Governance', 'Management and Governance', 'Management and Governance', 'Management and Governance', 'Management and Governance', 'Security', 'Security', 'Security', 'Security', 'Security', 'Security', 'Security', 'Identity', 'Identity', 'Developer Tools', 'Developer Tools', 'Developer Tools', 'Internet of Things', 'Business Applications', 'Business Applications', 'Other', 'Media']
$__codes = ['AmazonEC2', 'AWSLambda', 'AmazonECS', 'AmazonEKS', 'AWSFargate', 'ComputeSavingsPlans', 'AmazonLightsail', 'AmazonS3', 'AmazonEFS', 'AmazonGlacier', 'AWSBackup', 'AmazonFSx', 'AmazonRDS', 'AmazonDynamoDB', 'AmazonElastiCache', 'AmazonRedshift', 'AmazonDocDB', 'AmazonNeptune', 'AmazonCloudFront', 'AmazonVPC', 'AWSDataTransfer', 'AmazonRoute53', 'AWSELB', 'AWSGlobalAccelerator', 'AWSDirectConnect', 'AmazonApiGateway', 'AmazonSQS', 'AmazonSNS', 'AWSEvents', 'AmazonMQ', 'AWSStepFunctions', 'AmazonKinesis', 'AmazonAthena', 'AWSGlue', 'AmazonQuickSight', 'AmazonES', 'AmazonMSK', 'AmazonSageMaker', 'AmazonBedrock', 'AmazonRekognition', 'AmazonCloudWatch', 'AWSCloudTrail', 'AWSConfig', 'AWSSystemsManager', 'AWSCostExplorer', 'AWSSupportBusiness', 'AWSSupportEnterprise', 'AWSDeveloperSupport', 'awskms', 'AWSSecretsManager', 'AmazonGuardDuty', 'AWSSecurityHub', 'AmazonInspector', 'AWSWAF', 'AWSShield', 'AmazonCognito', 'AWSDirectoryService', 'AWSCodeBuild', 'AWSCodePipeline', 'AmazonECR', 'AWSIoT', 'AmazonChime', 'AmazonConnect', 'AWSMarketplace', 'AWSElementalMediaConvert']

-- exact source totals: BilledCost, EffectiveCost
    coalesce(TRY_CAST((NULL) AS DECIMAL(38, 18)), TRY_CAST(("lineItem/UnblendedCost") AS DECIMAL(38, 18)))
    CASE "lineItem/LineItemType" WHEN 'SavingsPlanCoveredUsage' THEN coalesce(TRY_CAST((NULL) AS DECIMAL(38, 18)), TRY_CAST(("savingsPlan/SavingsPlanEffectiveCost") AS DECIMAL(38, 18)), 0) WHEN 'SavingsPlanRecurringFee' THEN coalesce(TRY_CAST(("savingsPlan/TotalCommitmentToDate") AS DECIMAL(38, 18)), 0) - coalesce(TRY_CAST(("savingsPlan/UsedCommitment") AS DECIMAL(38, 18)), 0) WHEN 'SavingsPlanNegation' THEN 0 WHEN 'SavingsPlanUpfrontFee' THEN 0 WHEN 'DiscountedUsage' THEN coalesce(TRY_CAST((NULL) AS DECIMAL(38, 18)), TRY_CAST(("reservation/EffectiveCost") AS DECIMAL(38, 18)), 0) WHEN 'RIFee' THEN coalesce(TRY_CAST(("reservation/UnusedAmortizedUpfrontFeeForBillingPeriod") AS DECIMAL(38, 18)), 0) + coalesce(TRY_CAST(("reservation/UnusedRecurringFee") AS DECIMAL(38, 18)), 0) WHEN 'Fee' THEN CASE WHEN nullif(NULL, '') IS NOT NULL THEN 0 ELSE coalesce(TRY_CAST((NULL) AS DECIMAL(38, 18)), TRY_CAST(("lineItem/UnblendedCost") AS DECIMAL(38, 18))) END ELSE coalesce(TRY_CAST((NULL) AS DECIMAL(38, 18)), TRY_CAST(("lineItem/UnblendedCost") AS DECIMAL(38, 18))) END
