CREATE OR REPLACE VIEW "billing"."focus_cur2" AS
SELECT
  CAST(COALESCE(
    TRY_CAST((
      NULL
    ) AS DECIMAL(38, 18)),
    TRY_CAST((
      "line_item_unblended_cost"
    ) AS DECIMAL(38, 18))
  ) AS DECIMAL(38, 10)) AS "BilledCost",
  CAST(CASE "line_item_line_item_type"
    WHEN 'SavingsPlanCoveredUsage'
    THEN COALESCE(
      TRY_CAST((
        NULL
      ) AS DECIMAL(38, 18)),
      TRY_CAST((
        "savings_plan_savings_plan_effective_cost"
      ) AS DECIMAL(38, 18)),
      0
    )
    WHEN 'SavingsPlanRecurringFee'
    THEN COALESCE(TRY_CAST((
      "savings_plan_total_commitment_to_date"
    ) AS DECIMAL(38, 18)), 0) - COALESCE(TRY_CAST((
      "savings_plan_used_commitment"
    ) AS DECIMAL(38, 18)), 0)
    WHEN 'SavingsPlanNegation'
    THEN 0
    WHEN 'SavingsPlanUpfrontFee'
    THEN 0
    WHEN 'DiscountedUsage'
    THEN COALESCE(
      TRY_CAST((
        NULL
      ) AS DECIMAL(38, 18)),
      TRY_CAST((
        "reservation_effective_cost"
      ) AS DECIMAL(38, 18)),
      0
    )
    WHEN 'RIFee'
    THEN COALESCE(
      TRY_CAST((
        "reservation_unused_amortized_upfront_fee_for_billing_period"
      ) AS DECIMAL(38, 18)),
      0
    ) + COALESCE(TRY_CAST((
      "reservation_unused_recurring_fee"
    ) AS DECIMAL(38, 18)), 0)
    WHEN 'Fee'
    THEN CASE
      WHEN NOT NULLIF("reservation_reservation_a_r_n", '') IS NULL
      THEN 0
      ELSE COALESCE(
        TRY_CAST((
          NULL
        ) AS DECIMAL(38, 18)),
        TRY_CAST((
          "line_item_unblended_cost"
        ) AS DECIMAL(38, 18))
      )
    END
    ELSE COALESCE(
      TRY_CAST((
        NULL
      ) AS DECIMAL(38, 18)),
      TRY_CAST((
        "line_item_unblended_cost"
      ) AS DECIMAL(38, 18))
    )
  END AS DECIMAL(38, 10)) AS "EffectiveCost",
  CAST(CASE
    WHEN "line_item_line_item_type" = 'SavingsPlanNegation'
    THEN 0
    ELSE COALESCE(
      TRY_CAST((
        "pricing_public_on_demand_cost"
      ) AS DECIMAL(38, 18)),
      COALESCE(
        TRY_CAST((
          NULL
        ) AS DECIMAL(38, 18)),
        TRY_CAST((
          "line_item_unblended_cost"
        ) AS DECIMAL(38, 18))
      )
    )
  END AS DECIMAL(38, 10)) AS "ListCost",
  CAST(CASE
    WHEN CONTAINS(ARRAY['SavingsPlanCoveredUsage', 'DiscountedUsage'], "line_item_line_item_type")
    THEN COALESCE(
      TRY_CAST((
        "pricing_public_on_demand_cost"
      ) AS DECIMAL(38, 18)),
      TRY_CAST((
        "line_item_unblended_cost"
      ) AS DECIMAL(38, 18))
    )
    WHEN "line_item_line_item_type" = 'SavingsPlanNegation'
    THEN 0
    ELSE TRY_CAST((
      "line_item_unblended_cost"
    ) AS DECIMAL(38, 18))
  END AS DECIMAL(38, 10)) AS "ContractedCost",
  CAST(CAST("bill_payer_account_id" AS VARCHAR) AS VARCHAR) AS "BillingAccountId",
  CAST(CAST("bill_payer_account_name" AS VARCHAR) AS VARCHAR) AS "BillingAccountName",
  CAST(CAST("line_item_currency_code" AS VARCHAR) AS VARCHAR) AS "BillingCurrency",
  CAST(TRY_CAST("bill_billing_period_start_date" AS TIMESTAMP WITH TIME ZONE) AS TIMESTAMP WITH TIME ZONE) AS "BillingPeriodStart",
  CAST(TRY_CAST("bill_billing_period_end_date" AS TIMESTAMP WITH TIME ZONE) AS TIMESTAMP WITH TIME ZONE) AS "BillingPeriodEnd",
  CAST(TRY_CAST("line_item_usage_start_date" AS TIMESTAMP WITH TIME ZONE) AS TIMESTAMP WITH TIME ZONE) AS "ChargePeriodStart",
  CAST(TRY_CAST("line_item_usage_end_date" AS TIMESTAMP WITH TIME ZONE) AS TIMESTAMP WITH TIME ZONE) AS "ChargePeriodEnd",
  CAST(CASE
    WHEN "line_item_line_item_type" = 'Tax'
    THEN 'Tax'
    WHEN "line_item_line_item_type" = 'Credit'
    THEN 'Credit'
    WHEN "line_item_line_item_type" = 'Refund'
    THEN 'Adjustment'
    WHEN CONTAINS(
      ARRAY['Fee', 'RIFee', 'SavingsPlanUpfrontFee', 'SavingsPlanRecurringFee'],
      "line_item_line_item_type"
    )
    THEN CASE
      WHEN "line_item_line_item_type" IN ('SavingsPlanRecurringFee', 'RIFee')
      AND COALESCE(
        TRY_CAST((
          NULL
        ) AS DECIMAL(38, 18)),
        TRY_CAST((
          "line_item_unblended_cost"
        ) AS DECIMAL(38, 18))
      ) = 0
      THEN 'Usage'
      ELSE 'Purchase'
    END
    WHEN CONTAINS(
      ARRAY['Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage', 'SavingsPlanNegation', 'BundledDiscount', 'Discount', 'PrivateRateDiscount', 'EdpDiscount'],
      "line_item_line_item_type"
    )
    THEN 'Usage'
  END AS VARCHAR) AS "ChargeCategory",
  CAST(CASE
    WHEN "line_item_line_item_type" IN ('Credit', 'Refund')
    AND TRY_CAST("line_item_usage_start_date" AS TIMESTAMP WITH TIME ZONE) < TRY_CAST("bill_billing_period_start_date" AS TIMESTAMP WITH TIME ZONE)
    THEN 'Correction'
  END AS VARCHAR) AS "ChargeClass",
  CAST(CAST("line_item_line_item_description" AS VARCHAR) AS VARCHAR) AS "ChargeDescription",
  CAST(CASE
    WHEN (
      CASE
        WHEN "line_item_line_item_type" = 'Tax'
        THEN 'Tax'
        WHEN "line_item_line_item_type" = 'Credit'
        THEN 'Credit'
        WHEN "line_item_line_item_type" = 'Refund'
        THEN 'Adjustment'
        WHEN CONTAINS(
          ARRAY['Fee', 'RIFee', 'SavingsPlanUpfrontFee', 'SavingsPlanRecurringFee'],
          "line_item_line_item_type"
        )
        THEN CASE
          WHEN "line_item_line_item_type" IN ('SavingsPlanRecurringFee', 'RIFee')
          AND COALESCE(
            TRY_CAST((
              NULL
            ) AS DECIMAL(38, 18)),
            TRY_CAST((
              "line_item_unblended_cost"
            ) AS DECIMAL(38, 18))
          ) = 0
          THEN 'Usage'
          ELSE 'Purchase'
        END
        WHEN CONTAINS(
          ARRAY['Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage', 'SavingsPlanNegation', 'BundledDiscount', 'Discount', 'PrivateRateDiscount', 'EdpDiscount'],
          "line_item_line_item_type"
        )
        THEN 'Usage'
      END
    ) = 'Usage'
    THEN 'Usage-Based'
    WHEN "line_item_line_item_type" IN ('SavingsPlanRecurringFee', 'RIFee')
    THEN 'Recurring'
    WHEN "line_item_line_item_type" IN ('Fee', 'Tax')
    AND TRY_CAST("line_item_usage_start_date" AS TIMESTAMP WITH TIME ZONE) = TRY_CAST("bill_billing_period_start_date" AS TIMESTAMP WITH TIME ZONE)
    AND TRY_CAST("line_item_usage_end_date" AS TIMESTAMP WITH TIME ZONE) = TRY_CAST("bill_billing_period_end_date" AS TIMESTAMP WITH TIME ZONE)
    THEN 'Recurring'
    ELSE 'One-Time'
  END AS VARCHAR) AS "ChargeFrequency",
  CAST(CASE
    WHEN CONTAINS(
      ARRAY['SavingsPlanCoveredUsage', 'SavingsPlanRecurringFee', 'SavingsPlanNegation', 'SavingsPlanUpfrontFee'],
      "line_item_line_item_type"
    )
    THEN NULLIF("savings_plan_savings_plan_a_r_n", '')
    WHEN (
      CONTAINS(ARRAY['DiscountedUsage', 'RIFee'], "line_item_line_item_type")
      OR (
        "line_item_line_item_type" = 'Fee'
        AND NOT NULLIF("reservation_reservation_a_r_n", '') IS NULL
      )
    )
    THEN NULLIF("reservation_reservation_a_r_n", '')
  END AS VARCHAR) AS "CommitmentDiscountId",
  CAST(CASE
    WHEN CONTAINS(
      ARRAY['SavingsPlanCoveredUsage', 'SavingsPlanRecurringFee', 'SavingsPlanNegation', 'SavingsPlanUpfrontFee'],
      "line_item_line_item_type"
    )
    AND NOT NULLIF("savings_plan_savings_plan_a_r_n", '') IS NULL
    THEN 'Savings Plan'
    WHEN (
      CONTAINS(ARRAY['DiscountedUsage', 'RIFee'], "line_item_line_item_type")
      OR (
        "line_item_line_item_type" = 'Fee'
        AND NOT NULLIF("reservation_reservation_a_r_n", '') IS NULL
      )
    )
    AND NOT NULLIF("reservation_reservation_a_r_n", '') IS NULL
    THEN 'Reserved Instance'
  END AS VARCHAR) AS "CommitmentDiscountType",
  CAST(CASE
    WHEN CONTAINS(
      ARRAY['SavingsPlanCoveredUsage', 'SavingsPlanRecurringFee', 'SavingsPlanNegation', 'SavingsPlanUpfrontFee'],
      "line_item_line_item_type"
    )
    AND NOT NULLIF("savings_plan_savings_plan_a_r_n", '') IS NULL
    THEN 'Spend'
    WHEN (
      CONTAINS(ARRAY['DiscountedUsage', 'RIFee'], "line_item_line_item_type")
      OR (
        "line_item_line_item_type" = 'Fee'
        AND NOT NULLIF("reservation_reservation_a_r_n", '') IS NULL
      )
    )
    AND NOT NULLIF("reservation_reservation_a_r_n", '') IS NULL
    THEN 'Usage'
  END AS VARCHAR) AS "CommitmentDiscountCategory",
  CAST(CASE
    WHEN (
      CONTAINS(ARRAY['SavingsPlanCoveredUsage', 'DiscountedUsage'], "line_item_line_item_type")
      OR "line_item_line_item_type" = 'SavingsPlanNegation'
    )
    AND NOT COALESCE(
      NULLIF("savings_plan_savings_plan_a_r_n", ''),
      NULLIF("reservation_reservation_a_r_n", '')
    ) IS NULL
    THEN 'Used'
    WHEN (
      CONTAINS(ARRAY['SavingsPlanRecurringFee', 'RIFee'], "line_item_line_item_type")
      AND (
        COALESCE(
          TRY_CAST((
            NULL
          ) AS DECIMAL(38, 18)),
          TRY_CAST((
            "line_item_unblended_cost"
          ) AS DECIMAL(38, 18))
        ) = 0
        OR (
          CASE "line_item_line_item_type"
            WHEN 'SavingsPlanCoveredUsage'
            THEN COALESCE(
              TRY_CAST((
                NULL
              ) AS DECIMAL(38, 18)),
              TRY_CAST((
                "savings_plan_savings_plan_effective_cost"
              ) AS DECIMAL(38, 18)),
              0
            )
            WHEN 'SavingsPlanRecurringFee'
            THEN COALESCE(TRY_CAST((
              "savings_plan_total_commitment_to_date"
            ) AS DECIMAL(38, 18)), 0) - COALESCE(TRY_CAST((
              "savings_plan_used_commitment"
            ) AS DECIMAL(38, 18)), 0)
            WHEN 'SavingsPlanNegation'
            THEN 0
            WHEN 'SavingsPlanUpfrontFee'
            THEN 0
            WHEN 'DiscountedUsage'
            THEN COALESCE(
              TRY_CAST((
                NULL
              ) AS DECIMAL(38, 18)),
              TRY_CAST((
                "reservation_effective_cost"
              ) AS DECIMAL(38, 18)),
              0
            )
            WHEN 'RIFee'
            THEN COALESCE(
              TRY_CAST((
                "reservation_unused_amortized_upfront_fee_for_billing_period"
              ) AS DECIMAL(38, 18)),
              0
            ) + COALESCE(TRY_CAST((
              "reservation_unused_recurring_fee"
            ) AS DECIMAL(38, 18)), 0)
            WHEN 'Fee'
            THEN CASE
              WHEN NOT NULLIF("reservation_reservation_a_r_n", '') IS NULL
              THEN 0
              ELSE COALESCE(
                TRY_CAST((
                  NULL
                ) AS DECIMAL(38, 18)),
                TRY_CAST((
                  "line_item_unblended_cost"
                ) AS DECIMAL(38, 18))
              )
            END
            ELSE COALESCE(
              TRY_CAST((
                NULL
              ) AS DECIMAL(38, 18)),
              TRY_CAST((
                "line_item_unblended_cost"
              ) AS DECIMAL(38, 18))
            )
          END
        ) <> 0
      )
    )
    AND NOT COALESCE(
      NULLIF("savings_plan_savings_plan_a_r_n", ''),
      NULLIF("reservation_reservation_a_r_n", '')
    ) IS NULL
    THEN 'Unused'
  END AS VARCHAR) AS "CommitmentDiscountStatus",
  CAST(CASE
    WHEN "line_item_line_item_type" IN ('Tax', 'Credit', 'Refund')
    THEN NULL
    WHEN CONTAINS(ARRAY['SavingsPlanCoveredUsage', 'DiscountedUsage'], "line_item_line_item_type")
    OR "line_item_line_item_type" = 'SavingsPlanNegation'
    OR (
      (
        CASE
          WHEN "line_item_line_item_type" = 'Tax'
          THEN 'Tax'
          WHEN "line_item_line_item_type" = 'Credit'
          THEN 'Credit'
          WHEN "line_item_line_item_type" = 'Refund'
          THEN 'Adjustment'
          WHEN CONTAINS(
            ARRAY['Fee', 'RIFee', 'SavingsPlanUpfrontFee', 'SavingsPlanRecurringFee'],
            "line_item_line_item_type"
          )
          THEN CASE
            WHEN "line_item_line_item_type" IN ('SavingsPlanRecurringFee', 'RIFee')
            AND COALESCE(
              TRY_CAST((
                NULL
              ) AS DECIMAL(38, 18)),
              TRY_CAST((
                "line_item_unblended_cost"
              ) AS DECIMAL(38, 18))
            ) = 0
            THEN 'Usage'
            ELSE 'Purchase'
          END
          WHEN CONTAINS(
            ARRAY['Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage', 'SavingsPlanNegation', 'BundledDiscount', 'Discount', 'PrivateRateDiscount', 'EdpDiscount'],
            "line_item_line_item_type"
          )
          THEN 'Usage'
        END
      ) = 'Usage'
      AND CONTAINS(ARRAY['SavingsPlanRecurringFee', 'RIFee'], "line_item_line_item_type")
    )
    THEN 'Committed'
    WHEN "pricing_term" = 'Spot'
    OR CONTAINS(COALESCE("line_item_usage_type", ''), 'SpotUsage')
    THEN 'Dynamic'
    ELSE 'Standard'
  END AS VARCHAR) AS "PricingCategory",
  CAST(TRY_CAST("line_item_usage_amount" AS DOUBLE) AS DOUBLE) AS "PricingQuantity",
  CAST(CAST("pricing_unit" AS VARCHAR) AS VARCHAR) AS "PricingUnit",
  CAST(CASE
    WHEN CONTAINS(
      ARRAY['Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage'],
      "line_item_line_item_type"
    )
    THEN TRY_CAST("line_item_usage_amount" AS DOUBLE)
  END AS DOUBLE) AS "ConsumedQuantity",
  CAST(CASE
    WHEN CONTAINS(
      ARRAY['Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage'],
      "line_item_line_item_type"
    )
    THEN CAST("pricing_unit" AS VARCHAR)
  END AS VARCHAR) AS "ConsumedUnit",
  CAST(TRY_CAST("pricing_public_on_demand_rate" AS DOUBLE) AS DOUBLE) AS "ListUnitPrice",
  CAST(CASE
    WHEN CONTAINS(ARRAY['SavingsPlanCoveredUsage', 'DiscountedUsage'], "line_item_line_item_type")
    THEN TRY_CAST("pricing_public_on_demand_rate" AS DOUBLE)
    WHEN "line_item_line_item_type" = 'SavingsPlanNegation'
    THEN NULL
    ELSE TRY_CAST("line_item_unblended_rate" AS DOUBLE)
  END AS DOUBLE) AS "ContractedUnitPrice",
  CAST(NULLIF(CAST("bill_invoice_id" AS VARCHAR), '') AS VARCHAR) AS "InvoiceId",
  CAST(COALESCE(CAST("bill_invoicing_entity" AS VARCHAR), 'Amazon Web Services') AS VARCHAR) AS "InvoiceIssuerName",
  CAST('AWS' AS VARCHAR) AS "ProviderName",
  CAST('AWS' AS VARCHAR) AS "ServiceProviderName",
  CAST(CASE
    WHEN "bill_billing_entity" = 'AWS Marketplace'
    THEN COALESCE(CAST(NULL AS VARCHAR), 'AWS Marketplace')
    ELSE 'Amazon Web Services'
  END AS VARCHAR) AS "PublisherName",
  CAST(NULLIF(CAST("line_item_availability_zone" AS VARCHAR), '') AS VARCHAR) AS "AvailabilityZone",
  CAST(NULLIF(
    CAST(COALESCE("product_region_code", CAST(ELEMENT_AT("product", 'region') AS VARCHAR)) AS VARCHAR),
    ''
  ) AS VARCHAR) AS "RegionId",
  CAST(NULLIF(CAST("product_location" AS VARCHAR), '') AS VARCHAR) AS "RegionName",
  CAST(NULLIF(CAST("line_item_resource_id" AS VARCHAR), '') AS VARCHAR) AS "ResourceId",
  CAST(COALESCE(
    NULLIF(CAST(CAST(ELEMENT_AT("product", 'product_name') AS VARCHAR) AS VARCHAR), ''),
    CAST("line_item_product_code" AS VARCHAR)
  ) AS VARCHAR) AS "ServiceName",
  CAST(COALESCE(
    CASE CAST("line_item_product_code" AS VARCHAR)
      WHEN 'AmazonEC2'
      THEN 'Compute'
      WHEN 'AWSLambda'
      THEN 'Compute'
      WHEN 'AmazonECS'
      THEN 'Compute'
      WHEN 'AmazonEKS'
      THEN 'Compute'
      WHEN 'AWSFargate'
      THEN 'Compute'
      WHEN 'ComputeSavingsPlans'
      THEN 'Compute'
      WHEN 'AmazonLightsail'
      THEN 'Compute'
      WHEN 'AmazonS3'
      THEN 'Storage'
      WHEN 'AmazonEFS'
      THEN 'Storage'
      WHEN 'AmazonGlacier'
      THEN 'Storage'
      WHEN 'AWSBackup'
      THEN 'Storage'
      WHEN 'AmazonFSx'
      THEN 'Storage'
      WHEN 'AmazonRDS'
      THEN 'Databases'
      WHEN 'AmazonDynamoDB'
      THEN 'Databases'
      WHEN 'AmazonElastiCache'
      THEN 'Databases'
      WHEN 'AmazonRedshift'
      THEN 'Databases'
      WHEN 'AmazonDocDB'
      THEN 'Databases'
      WHEN 'AmazonNeptune'
      THEN 'Databases'
      WHEN 'AmazonCloudFront'
      THEN 'Networking'
      WHEN 'AmazonVPC'
      THEN 'Networking'
      WHEN 'AWSDataTransfer'
      THEN 'Networking'
      WHEN 'AmazonRoute53'
      THEN 'Networking'
      WHEN 'AWSELB'
      THEN 'Networking'
      WHEN 'AWSGlobalAccelerator'
      THEN 'Networking'
      WHEN 'AWSDirectConnect'
      THEN 'Networking'
      WHEN 'AmazonApiGateway'
      THEN 'Web'
      WHEN 'AmazonSQS'
      THEN 'Integration'
      WHEN 'AmazonSNS'
      THEN 'Integration'
      WHEN 'AWSEvents'
      THEN 'Integration'
      WHEN 'AmazonMQ'
      THEN 'Integration'
      WHEN 'AWSStepFunctions'
      THEN 'Integration'
      WHEN 'AmazonKinesis'
      THEN 'Analytics'
      WHEN 'AmazonAthena'
      THEN 'Analytics'
      WHEN 'AWSGlue'
      THEN 'Analytics'
      WHEN 'AmazonQuickSight'
      THEN 'Analytics'
      WHEN 'AmazonES'
      THEN 'Analytics'
      WHEN 'AmazonMSK'
      THEN 'Analytics'
      WHEN 'AmazonSageMaker'
      THEN 'AI and Machine Learning'
      WHEN 'AmazonBedrock'
      THEN 'AI and Machine Learning'
      WHEN 'AmazonRekognition'
      THEN 'AI and Machine Learning'
      WHEN 'AmazonCloudWatch'
      THEN 'Management and Governance'
      WHEN 'AWSCloudTrail'
      THEN 'Management and Governance'
      WHEN 'AWSConfig'
      THEN 'Management and Governance'
      WHEN 'AWSSystemsManager'
      THEN 'Management and Governance'
      WHEN 'AWSCostExplorer'
      THEN 'Management and Governance'
      WHEN 'AWSSupportBusiness'
      THEN 'Management and Governance'
      WHEN 'AWSSupportEnterprise'
      THEN 'Management and Governance'
      WHEN 'AWSDeveloperSupport'
      THEN 'Management and Governance'
      WHEN 'awskms'
      THEN 'Security'
      WHEN 'AWSSecretsManager'
      THEN 'Security'
      WHEN 'AmazonGuardDuty'
      THEN 'Security'
      WHEN 'AWSSecurityHub'
      THEN 'Security'
      WHEN 'AmazonInspector'
      THEN 'Security'
      WHEN 'AWSWAF'
      THEN 'Security'
      WHEN 'AWSShield'
      THEN 'Security'
      WHEN 'AmazonCognito'
      THEN 'Identity'
      WHEN 'AWSDirectoryService'
      THEN 'Identity'
      WHEN 'AWSCodeBuild'
      THEN 'Developer Tools'
      WHEN 'AWSCodePipeline'
      THEN 'Developer Tools'
      WHEN 'AmazonECR'
      THEN 'Developer Tools'
      WHEN 'AWSIoT'
      THEN 'Internet of Things'
      WHEN 'AmazonChime'
      THEN 'Business Applications'
      WHEN 'AmazonConnect'
      THEN 'Business Applications'
      WHEN 'AWSMarketplace'
      THEN 'Other'
      WHEN 'AWSElementalMediaConvert'
      THEN 'Media'
    END,
    'Other'
  ) AS VARCHAR) AS "ServiceCategory",
  CAST(NULLIF(CAST("product_sku" AS VARCHAR), '') AS VARCHAR) AS "SkuId",
  CAST(NULLIF(CAST("pricing_rate_id" AS VARCHAR), '') AS VARCHAR) AS "SkuPriceId",
  CAST(CAST("line_item_usage_account_id" AS VARCHAR) AS VARCHAR) AS "SubAccountId",
  CAST(CAST("line_item_usage_account_name" AS VARCHAR) AS VARCHAR) AS "SubAccountName",
  CASE
    WHEN COALESCE(
      CARDINALITY(
        MAP_FILTER(
          TRANSFORM_KEYS(
            MAP_FILTER("resource_tags", (k, v) -> NOT v IS NULL),
            (k, v) -> CASE
              WHEN STARTS_WITH(k, 'user_')
              THEN '' || SUBSTR(k, 6)
              WHEN STARTS_WITH(k, 'aws_')
              THEN 'aws:' || SUBSTR(k, 5)
              ELSE k
            END
          ),
          (k, v) -> k <> ''
        )
      ),
      0
    ) = 0
    THEN NULL
    ELSE MAP_FILTER(
      TRANSFORM_KEYS(
        MAP_FILTER("resource_tags", (k, v) -> NOT v IS NULL),
        (k, v) -> CASE
          WHEN STARTS_WITH(k, 'user_')
          THEN '' || SUBSTR(k, 6)
          WHEN STARTS_WITH(k, 'aws_')
          THEN 'aws:' || SUBSTR(k, 5)
          ELSE k
        END
      ),
      (k, v) -> k <> ''
    )
  END AS "Tags",
  CAST(NULLIF(CAST("line_item_usage_type" AS VARCHAR), '') AS VARCHAR) AS "x_UsageType",
  CAST(NULLIF(CAST("line_item_operation" AS VARCHAR), '') AS VARCHAR) AS "x_Operation",
  CASE
    WHEN COALESCE(
      CARDINALITY(
        MAP_FILTER(
          TRANSFORM_KEYS(MAP_FILTER("cost_category", (k, v) -> NOT v IS NULL), (k, v) -> k),
          (k, v) -> k <> ''
        )
      ),
      0
    ) = 0
    THEN NULL
    ELSE JSON_FORMAT(
      CAST(MAP_FILTER(
        TRANSFORM_KEYS(MAP_FILTER("cost_category", (k, v) -> NOT v IS NULL), (k, v) -> k),
        (k, v) -> k <> ''
      ) AS JSON)
    )
  END AS "x_CostCategories",
  CASE
    WHEN COALESCE(
      CARDINALITY(
        MAP_FILTER(
          TRANSFORM_KEYS(MAP_FILTER("discount", (k, v) -> NOT v IS NULL), (k, v) -> k),
          (k, v) -> k <> ''
        )
      ),
      0
    ) = 0
    THEN NULL
    ELSE JSON_FORMAT(
      CAST(MAP_FILTER(
        TRANSFORM_KEYS(MAP_FILTER("discount", (k, v) -> NOT v IS NULL), (k, v) -> k),
        (k, v) -> k <> ''
      ) AS JSON)
    )
  END AS "x_Discounts",
  CAST(CAST("line_item_line_item_type" AS VARCHAR) AS VARCHAR) AS "x_SourceLineItemType",
  CAST(NULL AS VARCHAR) AS "BillingAccountType",
  CAST(NULL AS VARCHAR) AS "CapacityReservationId",
  CAST(NULL AS VARCHAR) AS "CapacityReservationStatus",
  CAST(NULL AS VARCHAR) AS "CommitmentDiscountName",
  CAST(NULL AS DOUBLE) AS "CommitmentDiscountQuantity",
  CAST(NULL AS VARCHAR) AS "CommitmentDiscountUnit",
  CAST(NULL AS VARCHAR) AS "PricingCurrency",
  CAST(NULL AS DOUBLE) AS "PricingCurrencyContractedUnitPrice",
  CAST(NULL AS DECIMAL(38, 10)) AS "PricingCurrencyEffectiveCost",
  CAST(NULL AS DOUBLE) AS "PricingCurrencyListUnitPrice",
  CAST(NULL AS VARCHAR) AS "ResourceName",
  CAST(NULL AS VARCHAR) AS "ResourceType",
  CAST(NULL AS VARCHAR) AS "ServiceSubcategory",
  CAST(NULL AS VARCHAR) AS "SkuMeter",
  CAST(NULL AS VARCHAR) AS "SkuPriceDetails",
  CAST(NULL AS VARCHAR) AS "SubAccountType",
  CAST(NULL AS VARCHAR) AS "HostProviderName",
  CAST(NULL AS VARCHAR) AS "ContractApplied"
FROM "billing"."cur2"
