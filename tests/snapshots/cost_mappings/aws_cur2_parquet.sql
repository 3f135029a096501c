-- aws_cur2_parquet: the FOCUS mapping generated for cur2 parquet (the demo's CUR 2.0 schema)
-- (tests/unit/test_cost_mapping_snapshots.py; OPSREVIEW_UPDATE_SNAPSHOTS=1 regenerates)

-- 47 fields: cost column [source column, trusted] := expression
BilledCost [line_item_unblended_cost, trusted] :=
    coalesce(TRY_CAST((NULL) AS DECIMAL(38, 18)), TRY_CAST(("line_item_unblended_cost") AS DECIMAL(38, 18)))
EffectiveCost [line_item_unblended_cost, trusted] :=
    CASE "line_item_line_item_type" WHEN 'SavingsPlanCoveredUsage' THEN coalesce(TRY_CAST((NULL) AS DECIMAL(38, 18)), TRY_CAST(("savings_plan_savings_plan_effective_cost") AS DECIMAL(38, 18)), 0) WHEN 'SavingsPlanRecurringFee' THEN coalesce(TRY_CAST(("savings_plan_total_commitment_to_date") AS DECIMAL(38, 18)), 0) - coalesce(TRY_CAST(("savings_plan_used_commitment") AS DECIMAL(38, 18)), 0) WHEN 'SavingsPlanNegation' THEN 0 WHEN 'SavingsPlanUpfrontFee' THEN 0 WHEN 'DiscountedUsage' THEN coalesce(TRY_CAST((NULL) AS DECIMAL(38, 18)), TRY_CAST(("reservation_effective_cost") AS DECIMAL(38, 18)), 0) WHEN 'RIFee' THEN coalesce(TRY_CAST(("reservation_unused_amortized_upfront_fee_for_billing_period") AS DECIMAL(38, 18)), 0) + coalesce(TRY_CAST(("reservation_unused_recurring_fee") AS DECIMAL(38, 18)), 0) WHEN 'Fee' THEN CASE WHEN nullif("reservation_reservation_a_r_n", '') IS NOT NULL THEN 0 ELSE coalesce(TRY_CAST((NULL) AS DECIMAL(38, 18)), TRY_CAST(("line_item_unblended_cost") AS DECIMAL(38, 18))) END ELSE coalesce(TRY_CAST((NULL) AS DECIMAL(38, 18)), TRY_CAST(("line_item_unblended_cost") AS DECIMAL(38, 18))) END
ListCost [pricing_public_on_demand_cost, trusted] :=
    CASE WHEN "line_item_line_item_type" = 'SavingsPlanNegation' THEN 0 ELSE coalesce(TRY_CAST(("pricing_public_on_demand_cost") AS DECIMAL(38, 18)), coalesce(TRY_CAST((NULL) AS DECIMAL(38, 18)), TRY_CAST(("line_item_unblended_cost") AS DECIMAL(38, 18)))) END
ContractedCost [line_item_unblended_cost, trusted] :=
    CASE WHEN list_contains(['SavingsPlanCoveredUsage', 'DiscountedUsage'], "line_item_line_item_type") THEN coalesce(TRY_CAST(("pricing_public_on_demand_cost") AS DECIMAL(38, 18)), TRY_CAST(("line_item_unblended_cost") AS DECIMAL(38, 18))) WHEN "line_item_line_item_type" = 'SavingsPlanNegation' THEN 0 ELSE TRY_CAST(("line_item_unblended_cost") AS DECIMAL(38, 18)) END
BillingAccountId [bill_payer_account_id] :=
    CAST("bill_payer_account_id" AS VARCHAR)
BillingAccountName [] :=
    CAST("bill_payer_account_name" AS VARCHAR)
BillingCurrency [line_item_currency_code] :=
    CAST("line_item_currency_code" AS VARCHAR)
BillingPeriodStart [bill_billing_period_start_date, trusted] :=
    TRY_CAST("bill_billing_period_start_date" AS TIMESTAMPTZ)
BillingPeriodEnd [bill_billing_period_end_date, trusted] :=
    TRY_CAST("bill_billing_period_end_date" AS TIMESTAMPTZ)
ChargePeriodStart [line_item_usage_start_date, trusted] :=
    TRY_CAST("line_item_usage_start_date" AS TIMESTAMPTZ)
ChargePeriodEnd [line_item_usage_end_date, trusted] :=
    TRY_CAST("line_item_usage_end_date" AS TIMESTAMPTZ)
ChargeCategory [line_item_line_item_type] :=
    CASE WHEN "line_item_line_item_type" = 'Tax' THEN 'Tax' WHEN "line_item_line_item_type" = 'Credit' THEN 'Credit' WHEN "line_item_line_item_type" = 'Refund' THEN 'Adjustment' WHEN list_contains(['Fee', 'RIFee', 'SavingsPlanUpfrontFee', 'SavingsPlanRecurringFee'], "line_item_line_item_type") THEN CASE WHEN "line_item_line_item_type" IN ('SavingsPlanRecurringFee', 'RIFee') AND coalesce(TRY_CAST((NULL) AS DECIMAL(38, 18)), TRY_CAST(("line_item_unblended_cost") AS DECIMAL(38, 18))) = 0 THEN 'Usage' ELSE 'Purchase' END WHEN list_contains(['Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage', 'SavingsPlanNegation', 'BundledDiscount', 'Discount', 'PrivateRateDiscount', 'EdpDiscount'], "line_item_line_item_type") THEN 'Usage' END
ChargeClass [] :=
    CASE WHEN "line_item_line_item_type" IN ('Credit', 'Refund') AND TRY_CAST("line_item_usage_start_date" AS TIMESTAMPTZ) < TRY_CAST("bill_billing_period_start_date" AS TIMESTAMPTZ) THEN 'Correction' END
ChargeDescription [] :=
    CAST("line_item_line_item_description" AS VARCHAR)
ChargeFrequency [] :=
    CASE WHEN (CASE WHEN "line_item_line_item_type" = 'Tax' THEN 'Tax' WHEN "line_item_line_item_type" = 'Credit' THEN 'Credit' WHEN "line_item_line_item_type" = 'Refund' THEN 'Adjustment' WHEN list_contains(['Fee', 'RIFee', 'SavingsPlanUpfrontFee', 'SavingsPlanRecurringFee'], "line_item_line_item_type") THEN CASE WHEN "line_item_line_item_type" IN ('SavingsPlanRecurringFee', 'RIFee') AND coalesce(TRY_CAST((NULL) AS DECIMAL(38, 18)), TRY_CAST(("line_item_unblended_cost") AS DECIMAL(38, 18))) = 0 THEN 'Usage' ELSE 'Purchase' END WHEN list_contains(['Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage', 'SavingsPlanNegation', 'BundledDiscount', 'Discount', 'PrivateRateDiscount', 'EdpDiscount'], "line_item_line_item_type") THEN 'Usage' END) = 'Usage' THEN 'Usage-Based' WHEN "line_item_line_item_type" IN ('SavingsPlanRecurringFee', 'RIFee') THEN 'Recurring' WHEN "line_item_line_item_type" IN ('Fee', 'Tax') AND TRY_CAST("line_item_usage_start_date" AS TIMESTAMPTZ) = TRY_CAST("bill_billing_period_start_date" AS TIMESTAMPTZ) AND TRY_CAST("line_item_usage_end_date" AS TIMESTAMPTZ) = TRY_CAST("bill_billing_period_end_date" AS TIMESTAMPTZ) THEN 'Recurring' ELSE 'One-Time' END
CommitmentDiscountId [] :=
    CASE WHEN list_contains(['SavingsPlanCoveredUsage', 'SavingsPlanRecurringFee', 'SavingsPlanNegation', 'SavingsPlanUpfrontFee'], "line_item_line_item_type") THEN nullif("savings_plan_savings_plan_a_r_n", '') WHEN (list_contains(['DiscountedUsage', 'RIFee'], "line_item_line_item_type") OR ("line_item_line_item_type" = 'Fee' AND nullif("reservation_reservation_a_r_n", '') IS NOT NULL)) THEN nullif("reservation_reservation_a_r_n", '') END
CommitmentDiscountType [] :=
    CASE WHEN list_contains(['SavingsPlanCoveredUsage', 'SavingsPlanRecurringFee', 'SavingsPlanNegation', 'SavingsPlanUpfrontFee'], "line_item_line_item_type") AND nullif("savings_plan_savings_plan_a_r_n", '') IS NOT NULL THEN 'Savings Plan' WHEN (list_contains(['DiscountedUsage', 'RIFee'], "line_item_line_item_type") OR ("line_item_line_item_type" = 'Fee' AND nullif("reservation_reservation_a_r_n", '') IS NOT NULL)) AND nullif("reservation_reservation_a_r_n", '') IS NOT NULL THEN 'Reserved Instance' END
CommitmentDiscountCategory [] :=
    CASE WHEN list_contains(['SavingsPlanCoveredUsage', 'SavingsPlanRecurringFee', 'SavingsPlanNegation', 'SavingsPlanUpfrontFee'], "line_item_line_item_type") AND nullif("savings_plan_savings_plan_a_r_n", '') IS NOT NULL THEN 'Spend' WHEN (list_contains(['DiscountedUsage', 'RIFee'], "line_item_line_item_type") OR ("line_item_line_item_type" = 'Fee' AND nullif("reservation_reservation_a_r_n", '') IS NOT NULL)) AND nullif("reservation_reservation_a_r_n", '') IS NOT NULL THEN 'Usage' END
CommitmentDiscountStatus [] :=
    CASE WHEN (list_contains(['SavingsPlanCoveredUsage', 'DiscountedUsage'], "line_item_line_item_type") OR "line_item_line_item_type" = 'SavingsPlanNegation') AND coalesce(nullif("savings_plan_savings_plan_a_r_n", ''), nullif("reservation_reservation_a_r_n", '')) IS NOT NULL THEN 'Used' WHEN (list_contains(['SavingsPlanRecurringFee', 'RIFee'], "line_item_line_item_type") AND (coalesce(TRY_CAST((NULL) AS DECIMAL(38, 18)), TRY_CAST(("line_item_unblended_cost") AS DECIMAL(38, 18))) = 0 OR (CASE "line_item_line_item_type" WHEN 'SavingsPlanCoveredUsage' THEN coalesce(TRY_CAST((NULL) AS DECIMAL(38, 18)), TRY_CAST(("savings_plan_savings_plan_effective_cost") AS DECIMAL(38, 18)), 0) WHEN 'SavingsPlanRecurringFee' THEN coalesce(TRY_CAST(("savings_plan_total_commitment_to_date") AS DECIMAL(38, 18)), 0) - coalesce(TRY_CAST(("savings_plan_used_commitment") AS DECIMAL(38, 18)), 0) WHEN 'SavingsPlanNegation' THEN 0 WHEN 'SavingsPlanUpfrontFee' THEN 0 WHEN 'DiscountedUsage' THEN coalesce(TRY_CAST((NULL) AS DECIMAL(38, 18)), TRY_CAST(("reservation_effective_cost") AS DECIMAL(38, 18)), 0) WHEN 'RIFee' THEN coalesce(TRY_CAST(("reservation_unused_amortized_upfront_fee_for_billing_period") AS DECIMAL(38, 18)), 0) + coalesce(TRY_CAST(("reservation_unused_recurring_fee") AS DECIMAL(38, 18)), 0) WHEN 'Fee' THEN CASE WHEN nullif("reservation_reservation_a_r_n", '') IS NOT NULL THEN 0 ELSE coalesce(TRY_CAST((NULL) AS DECIMAL(38, 18)), TRY_CAST(("line_item_unblended_cost") AS DECIMAL(38, 18))) END ELSE coalesce(TRY_CAST((NULL) AS DECIMAL(38, 18)), TRY_CAST(("line_item_unblended_cost") AS DECIMAL(38, 18))) END) <> 0)) AND coalesce(nullif("savings_plan_savings_plan_a_r_n", ''), nullif("reservation_reservation_a_r_n", '')) IS NOT NULL THEN 'Unused' END
PricingCategory [] :=
    CASE WHEN "line_item_line_item_type" IN ('Tax', 'Credit', 'Refund') THEN NULL WHEN list_contains(['SavingsPlanCoveredUsage', 'DiscountedUsage'], "line_item_line_item_type") OR "line_item_line_item_type" = 'SavingsPlanNegation' OR ((CASE WHEN "line_item_line_item_type" = 'Tax' THEN 'Tax' WHEN "line_item_line_item_type" = 'Credit' THEN 'Credit' WHEN "line_item_line_item_type" = 'Refund' THEN 'Adjustment' WHEN list_contains(['Fee', 'RIFee', 'SavingsPlanUpfrontFee', 'SavingsPlanRecurringFee'], "line_item_line_item_type") THEN CASE WHEN "line_item_line_item_type" IN ('SavingsPlanRecurringFee', 'RIFee') AND coalesce(TRY_CAST((NULL) AS DECIMAL(38, 18)), TRY_CAST(("line_item_unblended_cost") AS DECIMAL(38, 18))) = 0 THEN 'Usage' ELSE 'Purchase' END WHEN list_contains(['Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage', 'SavingsPlanNegation', 'BundledDiscount', 'Discount', 'PrivateRateDiscount', 'EdpDiscount'], "line_item_line_item_type") THEN 'Usage' END) = 'Usage' AND list_contains(['SavingsPlanRecurringFee', 'RIFee'], "line_item_line_item_type")) THEN 'Committed' WHEN "pricing_term" = 'Spot' OR contains(coalesce("line_item_usage_type", ''), 'SpotUsage') THEN 'Dynamic' ELSE 'Standard' END
PricingQuantity [trusted] :=
    TRY_CAST("line_item_usage_amount" AS DOUBLE)
PricingUnit [] :=
    CAST("pricing_unit" AS VARCHAR)
ConsumedQuantity [trusted] :=
    CASE WHEN list_contains(['Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage'], "line_item_line_item_type") THEN TRY_CAST("line_item_usage_amount" AS DOUBLE) END
ConsumedUnit [] :=
    CASE WHEN list_contains(['Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage'], "line_item_line_item_type") THEN CAST("pricing_unit" AS VARCHAR) END
ListUnitPrice [trusted] :=
    TRY_CAST("pricing_public_on_demand_rate" AS DOUBLE)
ContractedUnitPrice [trusted] :=
    CASE WHEN list_contains(['SavingsPlanCoveredUsage', 'DiscountedUsage'], "line_item_line_item_type") THEN TRY_CAST("pricing_public_on_demand_rate" AS DOUBLE) WHEN "line_item_line_item_type" = 'SavingsPlanNegation' THEN NULL ELSE TRY_CAST("line_item_unblended_rate" AS DOUBLE) END
InvoiceId [] :=
    nullif(CAST("bill_invoice_id" AS VARCHAR), '')
InvoiceIssuerName [] :=
    coalesce(CAST("bill_invoicing_entity" AS VARCHAR), 'Amazon Web Services')
ProviderName [trusted] :=
    'AWS'
ServiceProviderName [trusted] :=
    'AWS'
PublisherName [] :=
    CASE WHEN "bill_billing_entity" = 'AWS Marketplace' THEN coalesce(CAST(NULL AS VARCHAR), 'AWS Marketplace') ELSE 'Amazon Web Services' END
AvailabilityZone [] :=
    nullif(CAST("line_item_availability_zone" AS VARCHAR), '')
RegionId [] :=
    nullif(CAST(coalesce("product_region_code", CAST("product"['region'] AS VARCHAR)) AS VARCHAR), '')
RegionName [] :=
    nullif(CAST("product_location" AS VARCHAR), '')
ResourceId [] :=
    nullif(CAST("line_item_resource_id" AS VARCHAR), '')
ServiceName [] :=
    coalesce(nullif(CAST(CAST("product"['product_name'] AS VARCHAR) AS VARCHAR), ''), CAST("line_item_product_code" AS VARCHAR))
ServiceCategory [] :=
    coalesce(list_extract($__categories, list_position($__codes, CAST("line_item_product_code" AS VARCHAR))), 'Other')
SkuId [] :=
    nullif(CAST("product_sku" AS VARCHAR), '')
SkuPriceId [] :=
    nullif(CAST("pricing_rate_id" AS VARCHAR), '')
SubAccountId [] :=
    CAST("line_item_usage_account_id" AS VARCHAR)
SubAccountName [] :=
    CAST("line_item_usage_account_name" AS VARCHAR)
Tags [trusted] :=
    CASE WHEN coalesce(cardinality("resource_tags"), 0) = 0 THEN NULL WHEN len(list_filter(map_values("resource_tags"), lambda x: x IS NULL)) > 0 OR len(list_filter(map_keys("resource_tags"), lambda k: (NOT starts_with(k, 'user_') OR k = 'user_') AND (NOT starts_with(k, 'aws_') OR k = 'aws_'))) > 0 THEN CASE WHEN coalesce(len(list_transform(list_filter(list_transform(map_entries("resource_tags"), lambda e: {'key': CASE WHEN starts_with(e.key, 'user_') THEN '' || e.key[6:] ELSE CASE WHEN starts_with(e.key, 'aws_') THEN 'aws:' || e.key[5:] ELSE e.key END END, 'value': e.value}), lambda e: e.value IS NOT NULL AND e.key IS NOT NULL AND e.key <> ''), lambda e: e.key)), 0) = 0 THEN NULL WHEN len(list_distinct(list_transform(list_filter(list_transform(map_entries("resource_tags"), lambda e: {'key': CASE WHEN starts_with(e.key, 'user_') THEN '' || e.key[6:] ELSE CASE WHEN starts_with(e.key, 'aws_') THEN 'aws:' || e.key[5:] ELSE e.key END END, 'value': e.value}), lambda e: e.value IS NOT NULL AND e.key IS NOT NULL AND e.key <> ''), lambda e: e.key))) = len(list_transform(list_filter(list_transform(map_entries("resource_tags"), lambda e: {'key': CASE WHEN starts_with(e.key, 'user_') THEN '' || e.key[6:] ELSE CASE WHEN starts_with(e.key, 'aws_') THEN 'aws:' || e.key[5:] ELSE e.key END END, 'value': e.value}), lambda e: e.value IS NOT NULL AND e.key IS NOT NULL AND e.key <> ''), lambda e: e.key)) THEN CAST(to_json(map(list_transform(list_filter(list_transform(map_entries("resource_tags"), lambda e: {'key': CASE WHEN starts_with(e.key, 'user_') THEN '' || e.key[6:] ELSE CASE WHEN starts_with(e.key, 'aws_') THEN 'aws:' || e.key[5:] ELSE e.key END END, 'value': e.value}), lambda e: e.value IS NOT NULL AND e.key IS NOT NULL AND e.key <> ''), lambda e: e.key), list_transform(list_filter(list_transform(map_entries("resource_tags"), lambda e: {'key': CASE WHEN starts_with(e.key, 'user_') THEN '' || e.key[6:] ELSE CASE WHEN starts_with(e.key, 'aws_') THEN 'aws:' || e.key[5:] ELSE e.key END END, 'value': e.value}), lambda e: e.value IS NOT NULL AND e.key IS NOT NULL AND e.key <> ''), lambda e: e.value))) AS VARCHAR) ELSE CAST(to_json(map_from_entries(list_filter(list_filter(list_transform(map_entries("resource_tags"), lambda e: {'key': CASE WHEN starts_with(e.key, 'user_') THEN '' || e.key[6:] ELSE CASE WHEN starts_with(e.key, 'aws_') THEN 'aws:' || e.key[5:] ELSE e.key END END, 'value': e.value}), lambda e: e.value IS NOT NULL AND e.key IS NOT NULL AND e.key <> ''), lambda e, i: list_position(list_transform(list_filter(list_transform(map_entries("resource_tags"), lambda e: {'key': CASE WHEN starts_with(e.key, 'user_') THEN '' || e.key[6:] ELSE CASE WHEN starts_with(e.key, 'aws_') THEN 'aws:' || e.key[5:] ELSE e.key END END, 'value': e.value}), lambda e: e.value IS NOT NULL AND e.key IS NOT NULL AND e.key <> ''), lambda x: x.key), e.key) = i))) AS VARCHAR) END ELSE regexp_replace(regexp_replace(CAST(to_json("resource_tags") AS VARCHAR), '([{,])"user_', '\1"', 'g'), '([{,])"aws_', '\1"aws:', 'g') END
x_UsageType [] :=
    nullif(CAST("line_item_usage_type" AS VARCHAR), '')
x_Operation [] :=
    nullif(CAST("line_item_operation" AS VARCHAR), '')
x_CostCategories [trusted] :=
    CASE WHEN coalesce(cardinality("cost_category"), 0) = 0 THEN NULL WHEN len(list_filter(map_values("cost_category"), lambda x: x IS NULL)) > 0 OR len(list_filter(map_keys("cost_category"), lambda k: k = '')) > 0 THEN CASE WHEN coalesce(len(list_transform(list_filter(list_transform(map_entries("cost_category"), lambda e: {'key': e.key, 'value': e.value}), lambda e: e.value IS NOT NULL AND e.key IS NOT NULL AND e.key <> ''), lambda e: e.key)), 0) = 0 THEN NULL WHEN len(list_distinct(list_transform(list_filter(list_transform(map_entries("cost_category"), lambda e: {'key': e.key, 'value': e.value}), lambda e: e.value IS NOT NULL AND e.key IS NOT NULL AND e.key <> ''), lambda e: e.key))) = len(list_transform(list_filter(list_transform(map_entries("cost_category"), lambda e: {'key': e.key, 'value': e.value}), lambda e: e.value IS NOT NULL AND e.key IS NOT NULL AND e.key <> ''), lambda e: e.key)) THEN CAST(to_json(map(list_transform(list_filter(list_transform(map_entries("cost_category"), lambda e: {'key': e.key, 'value': e.value}), lambda e: e.value IS NOT NULL AND e.key IS NOT NULL AND e.key <> ''), lambda e: e.key), list_transform(list_filter(list_transform(map_entries("cost_category"), lambda e: {'key': e.key, 'value': e.value}), lambda e: e.value IS NOT NULL AND e.key IS NOT NULL AND e.key <> ''), lambda e: e.value))) AS VARCHAR) ELSE CAST(to_json(map_from_entries(list_filter(list_filter(list_transform(map_entries("cost_category"), lambda e: {'key': e.key, 'value': e.value}), lambda e: e.value IS NOT NULL AND e.key IS NOT NULL AND e.key <> ''), lambda e, i: list_position(list_transform(list_filter(list_transform(map_entries("cost_category"), lambda e: {'key': e.key, 'value': e.value}), lambda e: e.value IS NOT NULL AND e.key IS NOT NULL AND e.key <> ''), lambda x: x.key), e.key) = i))) AS VARCHAR) END ELSE CAST(to_json("cost_category") AS VARCHAR) END
x_Discounts [trusted] :=
    CASE WHEN coalesce(cardinality("discount"), 0) = 0 THEN NULL WHEN len(list_filter(map_values("discount"), lambda x: x IS NULL)) > 0 OR len(list_filter(map_keys("discount"), lambda k: k = '')) > 0 THEN CASE WHEN coalesce(len(list_transform(list_filter(list_transform(map_entries("discount"), lambda e: {'key': e.key, 'value': e.value}), lambda e: e.value IS NOT NULL AND e.key IS NOT NULL AND e.key <> ''), lambda e: e.key)), 0) = 0 THEN NULL WHEN len(list_distinct(list_transform(list_filter(list_transform(map_entries("discount"), lambda e: {'key': e.key, 'value': e.value}), lambda e: e.value IS NOT NULL AND e.key IS NOT NULL AND e.key <> ''), lambda e: e.key))) = len(list_transform(list_filter(list_transform(map_entries("discount"), lambda e: {'key': e.key, 'value': e.value}), lambda e: e.value IS NOT NULL AND e.key IS NOT NULL AND e.key <> ''), lambda e: e.key)) THEN CAST(to_json(map(list_transform(list_filter(list_transform(map_entries("discount"), lambda e: {'key': e.key, 'value': e.value}), lambda e: e.value IS NOT NULL AND e.key IS NOT NULL AND e.key <> ''), lambda e: e.key), list_transform(list_filter(list_transform(map_entries("discount"), lambda e: {'key': e.key, 'value': e.value}), lambda e: e.value IS NOT NULL AND e.key IS NOT NULL AND e.key <> ''), lambda e: e.value))) AS VARCHAR) ELSE CAST(to_json(map_from_entries(list_filter(list_filter(list_transform(map_entries("discount"), lambda e: {'key': e.key, 'value': e.value}), lambda e: e.value IS NOT NULL AND e.key IS NOT NULL AND e.key <> ''), lambda e, i: list_position(list_transform(list_filter(list_transform(map_entries("discount"), lambda e: {'key': e.key, 'value': e.value}), lambda e: e.value IS NOT NULL AND e.key IS NOT NULL AND e.key <> ''), lambda x: x.key), e.key) = i))) AS VARCHAR) END ELSE CAST(to_json("discount") AS VARCHAR) END
x_SourceLineItemType [] :=
    CAST("line_item_line_item_type" AS VARCHAR)

-- 12 checks: message [column] (shown value) <= predicate true on a bad row
is not a known LineItemType [line_item_line_item_type] ("line_item_line_item_type") <=
    "line_item_line_item_type" IS NOT NULL AND "line_item_line_item_type" NOT IN ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage', 'SavingsPlanNegation', 'BundledDiscount', 'Discount', 'PrivateRateDiscount', 'EdpDiscount', 'Fee', 'RIFee', 'SavingsPlanUpfrontFee', 'SavingsPlanRecurringFee', 'Tax', 'Credit', 'Refund')
is not a finite amount [line_item_unblended_cost] ("line_item_unblended_cost") <=
    "line_item_unblended_cost" IS NOT NULL AND (TRY_CAST("line_item_unblended_cost" AS DECIMAL(38, 10)) IS NULL OR abs(TRY_CAST("line_item_unblended_cost" AS DOUBLE)) >= 1e18)
is not a finite amount [pricing_public_on_demand_cost] ("pricing_public_on_demand_cost") <=
    "pricing_public_on_demand_cost" IS NOT NULL AND (TRY_CAST("pricing_public_on_demand_cost" AS DECIMAL(38, 10)) IS NULL OR abs(TRY_CAST("pricing_public_on_demand_cost" AS DOUBLE)) >= 1e18)
is not a finite amount [savings_plan_savings_plan_effective_cost] ("savings_plan_savings_plan_effective_cost") <=
    "savings_plan_savings_plan_effective_cost" IS NOT NULL AND (TRY_CAST("savings_plan_savings_plan_effective_cost" AS DECIMAL(38, 10)) IS NULL OR abs(TRY_CAST("savings_plan_savings_plan_effective_cost" AS DOUBLE)) >= 1e18)
is not a finite amount [savings_plan_total_commitment_to_date] ("savings_plan_total_commitment_to_date") <=
    "savings_plan_total_commitment_to_date" IS NOT NULL AND (TRY_CAST("savings_plan_total_commitment_to_date" AS DECIMAL(38, 10)) IS NULL OR abs(TRY_CAST("savings_plan_total_commitment_to_date" AS DOUBLE)) >= 1e18)
is not a finite amount [savings_plan_used_commitment] ("savings_plan_used_commitment") <=
    "savings_plan_used_commitment" IS NOT NULL AND (TRY_CAST("savings_plan_used_commitment" AS DECIMAL(38, 10)) IS NULL OR abs(TRY_CAST("savings_plan_used_commitment" AS DOUBLE)) >= 1e18)
is not a finite amount [reservation_effective_cost] ("reservation_effective_cost") <=
    "reservation_effective_cost" IS NOT NULL AND (TRY_CAST("reservation_effective_cost" AS DECIMAL(38, 10)) IS NULL OR abs(TRY_CAST("reservation_effective_cost" AS DOUBLE)) >= 1e18)
is not a finite amount [reservation_unused_amortized_upfront_fee_for_billing_period] ("reservation_unused_amortized_upfront_fee_for_billing_period") <=
    "reservation_unused_amortized_upfront_fee_for_billing_period" IS NOT NULL AND (TRY_CAST("reservation_unused_amortized_upfront_fee_for_billing_period" AS DECIMAL(38, 10)) IS NULL OR abs(TRY_CAST("reservation_unused_amortized_upfront_fee_for_billing_period" AS DOUBLE)) >= 1e18)
is not a finite amount [reservation_unused_recurring_fee] ("reservation_unused_recurring_fee") <=
    "reservation_unused_recurring_fee" IS NOT NULL AND (TRY_CAST("reservation_unused_recurring_fee" AS DECIMAL(38, 10)) IS NULL OR abs(TRY_CAST("reservation_unused_recurring_fee" AS DOUBLE)) >= 1e18)
is not a finite number [line_item_usage_amount] ("line_item_usage_amount") <=
    "line_item_usage_amount" IS NOT NULL AND NOT coalesce(isfinite(TRY_CAST("line_item_usage_amount" AS DOUBLE)), false)
is not a finite number [line_item_unblended_rate] ("line_item_unblended_rate") <=
    "line_item_unblended_rate" IS NOT NULL AND NOT coalesce(isfinite(TRY_CAST("line_item_unblended_rate" AS DOUBLE)), false)
is not a finite number [pricing_public_on_demand_rate] ("pricing_public_on_demand_rate") <=
    "pricing_public_on_demand_rate" IS NOT NULL AND NOT coalesce(isfinite(TRY_CAST("pricing_public_on_demand_rate" AS DOUBLE)), false)

-- 2 bound parameters
$__categories = ['Compute', 'Compute', 'Compute', 'Compute', 'Compute', 'Compute', 'Compute', 'Storage', 'Storage', 'Storage', 'Storage', 'Storage', 'Databases', 'Databases', 'Databases', 'Databases', 'Databases', 'Databases', 'Networking', 'Networking', 'Networking', 'Networking', 'Networking', 'Networking', 'Networking', 'Web', 'Integration', 'Integration', 'Integration', 'Integration', 'Integration', 'Analytics', 'Analytics', 'Analytics', 'Analytics', 'Analytics', 'Analytics', 'AI and Machine Learning', 'AI and Machine Learning', 'AI and Machine Learning', 'Management and Governance', 'Management and Governance', 'Management and Governance', 'Management and Governance', 'Management and Governance', 'Management and Governance', 'Management and Governance', 'Management and Governance', 'Security', 'Security', 'Security', 'Security', 'Security', 'Security', 'Security', 'Identity', 'Identity', 'Developer Tools', 'Developer Tools', 'Developer Tools', 'Internet of Things', 'Business Applications', 'Business Applications', 'Other', 'Media']
$__codes = ['AmazonEC2', 'AWSLambda', 'AmazonECS', 'AmazonEKS', 'AWSFargate', 'ComputeSavingsPlans', 'AmazonLightsail', 'AmazonS3', 'AmazonEFS', 'AmazonGlacier', 'AWSBackup', 'AmazonFSx', 'AmazonRDS', 'AmazonDynamoDB', 'AmazonElastiCache', 'AmazonRedshift', 'AmazonDocDB', 'AmazonNeptune', 'AmazonCloudFront', 'AmazonVPC', 'AWSDataTransfer', 'AmazonRoute53', 'AWSELB', 'AWSGlobalAccelerator', 'AWSDirectConnect', 'AmazonApiGateway', 'AmazonSQS', 'AmazonSNS', 'AWSEvents', 'AmazonMQ', 'AWSStepFunctions', 'AmazonKinesis', 'AmazonAthena', 'AWSGlue', 'AmazonQuickSight', 'AmazonES', 'AmazonMSK', 'AmazonSageMaker', 'AmazonBedrock', 'AmazonRekognition', 'AmazonCloudWatch', 'AWSCloudTrail', 'AWSConfig', 'AWSSystemsManager', 'AWSCostExplorer', 'AWSSupportBusiness', 'AWSSupportEnterprise', 'AWSDeveloperSupport', 'awskms', 'AWSSecretsManager', 'AmazonGuardDuty', 'AWSSecurityHub', 'AmazonInspector', 'AWSWAF', 'AWSShield', 'AmazonCognito', 'AWSDirectoryService', 'AWSCodeBuild', 'AWSCodePipeline', 'AmazonECR', 'AWSIoT', 'AmazonChime', 'AmazonConnect', 'AWSMarketplace', 'AWSElementalMediaConvert']

-- exact source totals: BilledCost, EffectiveCost
    coalesce(TRY_CAST((NULL) AS DECIMAL(38, 18)), TRY_CAST(("line_item_unblended_cost") AS DECIMAL(38, 18)))
    CASE "line_item_line_item_type" WHEN 'SavingsPlanCoveredUsage' THEN coalesce(TRY_CAST((NULL) AS DECIMAL(38, 18)), TRY_CAST(("savings_plan_savings_plan_effective_cost") AS DECIMAL(38, 18)), 0) WHEN 'SavingsPlanRecurringFee' THEN coalesce(TRY_CAST(("savings_plan_total_commitment_to_date") AS DECIMAL(38, 18)), 0) - coalesce(TRY_CAST(("savings_plan_used_commitment") AS DECIMAL(38, 18)), 0) WHEN 'SavingsPlanNegation' THEN 0 WHEN 'SavingsPlanUpfrontFee' THEN 0 WHEN 'DiscountedUsage' THEN coalesce(TRY_CAST((NULL) AS DECIMAL(38, 18)), TRY_CAST(("reservation_effective_cost") AS DECIMAL(38, 18)), 0) WHEN 'RIFee' THEN coalesce(TRY_CAST(("reservation_unused_amortized_upfront_fee_for_billing_period") AS DECIMAL(38, 18)), 0) + coalesce(TRY_CAST(("reservation_unused_recurring_fee") AS DECIMAL(38, 18)), 0) WHEN 'Fee' THEN CASE WHEN nullif("reservation_reservation_a_r_n", '') IS NOT NULL THEN 0 ELSE coalesce(TRY_CAST((NULL) AS DECIMAL(38, 18)), TRY_CAST(("line_item_unblended_cost") AS DECIMAL(38, 18))) END ELSE coalesce(TRY_CAST((NULL) AS DECIMAL(38, 18)), TRY_CAST(("line_item_unblended_cost") AS DECIMAL(38, 18))) END
