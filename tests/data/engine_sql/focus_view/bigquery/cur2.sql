CREATE OR REPLACE VIEW `billing-prod`.`billing`.`focus_cur2` AS
SELECT
  CAST(COALESCE(
    SAFE_CAST((
      NULL
    ) AS BIGNUMERIC),
    SAFE_CAST((
      `line_item_unblended_cost`
    ) AS BIGNUMERIC)
  ) AS BIGNUMERIC) AS `BilledCost`,
  CAST(CASE `line_item_line_item_type`
    WHEN 'SavingsPlanCoveredUsage'
    THEN COALESCE(
      SAFE_CAST((
        NULL
      ) AS BIGNUMERIC),
      SAFE_CAST((
        `savings_plan_savings_plan_effective_cost`
      ) AS BIGNUMERIC),
      0
    )
    WHEN 'SavingsPlanRecurringFee'
    THEN COALESCE(SAFE_CAST((
      `savings_plan_total_commitment_to_date`
    ) AS BIGNUMERIC), 0) - COALESCE(SAFE_CAST((
      `savings_plan_used_commitment`
    ) AS BIGNUMERIC), 0)
    WHEN 'SavingsPlanNegation'
    THEN 0
    WHEN 'SavingsPlanUpfrontFee'
    THEN 0
    WHEN 'DiscountedUsage'
    THEN COALESCE(
      SAFE_CAST((
        NULL
      ) AS BIGNUMERIC),
      SAFE_CAST((
        `reservation_effective_cost`
      ) AS BIGNUMERIC),
      0
    )
    WHEN 'RIFee'
    THEN COALESCE(
      SAFE_CAST((
        `reservation_unused_amortized_upfront_fee_for_billing_period`
      ) AS BIGNUMERIC),
      0
    ) + COALESCE(SAFE_CAST((
      `reservation_unused_recurring_fee`
    ) AS BIGNUMERIC), 0)
    WHEN 'Fee'
    THEN CASE
      WHEN NOT NULLIF(`reservation_reservation_a_r_n`, '') IS NULL
      THEN 0
      ELSE COALESCE(
        SAFE_CAST((
          NULL
        ) AS BIGNUMERIC),
        SAFE_CAST((
          `line_item_unblended_cost`
        ) AS BIGNUMERIC)
      )
    END
    ELSE COALESCE(
      SAFE_CAST((
        NULL
      ) AS BIGNUMERIC),
      SAFE_CAST((
        `line_item_unblended_cost`
      ) AS BIGNUMERIC)
    )
  END AS BIGNUMERIC) AS `EffectiveCost`,
  CAST(CASE
    WHEN `line_item_line_item_type` = 'SavingsPlanNegation'
    THEN 0
    ELSE COALESCE(
      SAFE_CAST((
        `pricing_public_on_demand_cost`
      ) AS BIGNUMERIC),
      COALESCE(
        SAFE_CAST((
          NULL
        ) AS BIGNUMERIC),
        SAFE_CAST((
          `line_item_unblended_cost`
        ) AS BIGNUMERIC)
      )
    )
  END AS BIGNUMERIC) AS `ListCost`,
  CAST(CASE
    WHEN EXISTS(
      SELECT
        1
      FROM UNNEST(['SavingsPlanCoveredUsage', 'DiscountedUsage']) AS _col
      WHERE
        _col = `line_item_line_item_type`
    )
    THEN COALESCE(
      SAFE_CAST((
        `pricing_public_on_demand_cost`
      ) AS BIGNUMERIC),
      SAFE_CAST((
        `line_item_unblended_cost`
      ) AS BIGNUMERIC)
    )
    WHEN `line_item_line_item_type` = 'SavingsPlanNegation'
    THEN 0
    ELSE SAFE_CAST((
      `line_item_unblended_cost`
    ) AS BIGNUMERIC)
  END AS BIGNUMERIC) AS `ContractedCost`,
  CAST(CAST(`bill_payer_account_id` AS STRING) AS STRING) AS `BillingAccountId`,
  CAST(CAST(`bill_payer_account_name` AS STRING) AS STRING) AS `BillingAccountName`,
  CAST(CAST(`line_item_currency_code` AS STRING) AS STRING) AS `BillingCurrency`,
  CAST(SAFE_CAST(`bill_billing_period_start_date` AS TIMESTAMP) AS TIMESTAMP) AS `BillingPeriodStart`,
  CAST(SAFE_CAST(`bill_billing_period_end_date` AS TIMESTAMP) AS TIMESTAMP) AS `BillingPeriodEnd`,
  CAST(SAFE_CAST(`line_item_usage_start_date` AS TIMESTAMP) AS TIMESTAMP) AS `ChargePeriodStart`,
  CAST(SAFE_CAST(`line_item_usage_end_date` AS TIMESTAMP) AS TIMESTAMP) AS `ChargePeriodEnd`,
  CAST(CASE
    WHEN `line_item_line_item_type` = 'Tax'
    THEN 'Tax'
    WHEN `line_item_line_item_type` = 'Credit'
    THEN 'Credit'
    WHEN `line_item_line_item_type` = 'Refund'
    THEN 'Adjustment'
    WHEN EXISTS(
      SELECT
        1
      FROM UNNEST(['Fee', 'RIFee', 'SavingsPlanUpfrontFee', 'SavingsPlanRecurringFee']) AS _col
      WHERE
        _col = `line_item_line_item_type`
    )
    THEN CASE
      WHEN `line_item_line_item_type` IN ('SavingsPlanRecurringFee', 'RIFee')
      AND COALESCE(
        SAFE_CAST((
          NULL
        ) AS BIGNUMERIC),
        SAFE_CAST((
          `line_item_unblended_cost`
        ) AS BIGNUMERIC)
      ) = 0
      THEN 'Usage'
      ELSE 'Purchase'
    END
    WHEN EXISTS(
      SELECT
        1
      FROM UNNEST([
        'Usage',
        'DiscountedUsage',
        'SavingsPlanCoveredUsage',
        'SavingsPlanNegation',
        'BundledDiscount',
        'Discount',
        'PrivateRateDiscount',
        'EdpDiscount'
      ]) AS _col
      WHERE
        _col = `line_item_line_item_type`
    )
    THEN 'Usage'
  END AS STRING) AS `ChargeCategory`,
  CAST(CASE
    WHEN `line_item_line_item_type` IN ('Credit', 'Refund')
    AND SAFE_CAST(`line_item_usage_start_date` AS TIMESTAMP) < SAFE_CAST(`bill_billing_period_start_date` AS TIMESTAMP)
    THEN 'Correction'
  END AS STRING) AS `ChargeClass`,
  CAST(CAST(`line_item_line_item_description` AS STRING) AS STRING) AS `ChargeDescription`,
  CAST(CASE
    WHEN (
      CASE
        WHEN `line_item_line_item_type` = 'Tax'
        THEN 'Tax'
        WHEN `line_item_line_item_type` = 'Credit'
        THEN 'Credit'
        WHEN `line_item_line_item_type` = 'Refund'
        THEN 'Adjustment'
        WHEN EXISTS(
          SELECT
            1
          FROM UNNEST(['Fee', 'RIFee', 'SavingsPlanUpfrontFee', 'SavingsPlanRecurringFee']) AS _col
          WHERE
            _col = `line_item_line_item_type`
        )
        THEN CASE
          WHEN `line_item_line_item_type` IN ('SavingsPlanRecurringFee', 'RIFee')
          AND COALESCE(
            SAFE_CAST((
              NULL
            ) AS BIGNUMERIC),
            SAFE_CAST((
              `line_item_unblended_cost`
            ) AS BIGNUMERIC)
          ) = 0
          THEN 'Usage'
          ELSE 'Purchase'
        END
        WHEN EXISTS(
          SELECT
            1
          FROM UNNEST([
            'Usage',
            'DiscountedUsage',
            'SavingsPlanCoveredUsage',
            'SavingsPlanNegation',
            'BundledDiscount',
            'Discount',
            'PrivateRateDiscount',
            'EdpDiscount'
          ]) AS _col
          WHERE
            _col = `line_item_line_item_type`
        )
        THEN 'Usage'
      END
    ) = 'Usage'
    THEN 'Usage-Based'
    WHEN `line_item_line_item_type` IN ('SavingsPlanRecurringFee', 'RIFee')
    THEN 'Recurring'
    WHEN `line_item_line_item_type` IN ('Fee', 'Tax')
    AND SAFE_CAST(`line_item_usage_start_date` AS TIMESTAMP) = SAFE_CAST(`bill_billing_period_start_date` AS TIMESTAMP)
    AND SAFE_CAST(`line_item_usage_end_date` AS TIMESTAMP) = SAFE_CAST(`bill_billing_period_end_date` AS TIMESTAMP)
    THEN 'Recurring'
    ELSE 'One-Time'
  END AS STRING) AS `ChargeFrequency`,
  CAST(CASE
    WHEN EXISTS(
      SELECT
        1
      FROM UNNEST([
        'SavingsPlanCoveredUsage',
        'SavingsPlanRecurringFee',
        'SavingsPlanNegation',
        'SavingsPlanUpfrontFee'
      ]) AS _col
      WHERE
        _col = `line_item_line_item_type`
    )
    THEN NULLIF(`savings_plan_savings_plan_a_r_n`, '')
    WHEN (
      EXISTS(
        SELECT
          1
        FROM UNNEST(['DiscountedUsage', 'RIFee']) AS _col
        WHERE
          _col = `line_item_line_item_type`
      )
      OR (
        `line_item_line_item_type` = 'Fee'
        AND NOT NULLIF(`reservation_reservation_a_r_n`, '') IS NULL
      )
    )
    THEN NULLIF(`reservation_reservation_a_r_n`, '')
  END AS STRING) AS `CommitmentDiscountId`,
  CAST(CASE
    WHEN EXISTS(
      SELECT
        1
      FROM UNNEST([
        'SavingsPlanCoveredUsage',
        'SavingsPlanRecurringFee',
        'SavingsPlanNegation',
        'SavingsPlanUpfrontFee'
      ]) AS _col
      WHERE
        _col = `line_item_line_item_type`
    )
    AND NOT NULLIF(`savings_plan_savings_plan_a_r_n`, '') IS NULL
    THEN 'Savings Plan'
    WHEN (
      EXISTS(
        SELECT
          1
        FROM UNNEST(['DiscountedUsage', 'RIFee']) AS _col
        WHERE
          _col = `line_item_line_item_type`
      )
      OR (
        `line_item_line_item_type` = 'Fee'
        AND NOT NULLIF(`reservation_reservation_a_r_n`, '') IS NULL
      )
    )
    AND NOT NULLIF(`reservation_reservation_a_r_n`, '') IS NULL
    THEN 'Reserved Instance'
  END AS STRING) AS `CommitmentDiscountType`,
  CAST(CASE
    WHEN EXISTS(
      SELECT
        1
      FROM UNNEST([
        'SavingsPlanCoveredUsage',
        'SavingsPlanRecurringFee',
        'SavingsPlanNegation',
        'SavingsPlanUpfrontFee'
      ]) AS _col
      WHERE
        _col = `line_item_line_item_type`
    )
    AND NOT NULLIF(`savings_plan_savings_plan_a_r_n`, '') IS NULL
    THEN 'Spend'
    WHEN (
      EXISTS(
        SELECT
          1
        FROM UNNEST(['DiscountedUsage', 'RIFee']) AS _col
        WHERE
          _col = `line_item_line_item_type`
      )
      OR (
        `line_item_line_item_type` = 'Fee'
        AND NOT NULLIF(`reservation_reservation_a_r_n`, '') IS NULL
      )
    )
    AND NOT NULLIF(`reservation_reservation_a_r_n`, '') IS NULL
    THEN 'Usage'
  END AS STRING) AS `CommitmentDiscountCategory`,
  CAST(CASE
    WHEN (
      EXISTS(
        SELECT
          1
        FROM UNNEST(['SavingsPlanCoveredUsage', 'DiscountedUsage']) AS _col
        WHERE
          _col = `line_item_line_item_type`
      )
      OR `line_item_line_item_type` = 'SavingsPlanNegation'
    )
    AND NOT COALESCE(
      NULLIF(`savings_plan_savings_plan_a_r_n`, ''),
      NULLIF(`reservation_reservation_a_r_n`, '')
    ) IS NULL
    THEN 'Used'
    WHEN (
      EXISTS(
        SELECT
          1
        FROM UNNEST(['SavingsPlanRecurringFee', 'RIFee']) AS _col
        WHERE
          _col = `line_item_line_item_type`
      )
      AND (
        COALESCE(
          SAFE_CAST((
            NULL
          ) AS BIGNUMERIC),
          SAFE_CAST((
            `line_item_unblended_cost`
          ) AS BIGNUMERIC)
        ) = 0
        OR (
          CASE `line_item_line_item_type`
            WHEN 'SavingsPlanCoveredUsage'
            THEN COALESCE(
              SAFE_CAST((
                NULL
              ) AS BIGNUMERIC),
              SAFE_CAST((
                `savings_plan_savings_plan_effective_cost`
              ) AS BIGNUMERIC),
              0
            )
            WHEN 'SavingsPlanRecurringFee'
            THEN COALESCE(SAFE_CAST((
              `savings_plan_total_commitment_to_date`
            ) AS BIGNUMERIC), 0) - COALESCE(SAFE_CAST((
              `savings_plan_used_commitment`
            ) AS BIGNUMERIC), 0)
            WHEN 'SavingsPlanNegation'
            THEN 0
            WHEN 'SavingsPlanUpfrontFee'
            THEN 0
            WHEN 'DiscountedUsage'
            THEN COALESCE(
              SAFE_CAST((
                NULL
              ) AS BIGNUMERIC),
              SAFE_CAST((
                `reservation_effective_cost`
              ) AS BIGNUMERIC),
              0
            )
            WHEN 'RIFee'
            THEN COALESCE(
              SAFE_CAST((
                `reservation_unused_amortized_upfront_fee_for_billing_period`
              ) AS BIGNUMERIC),
              0
            ) + COALESCE(SAFE_CAST((
              `reservation_unused_recurring_fee`
            ) AS BIGNUMERIC), 0)
            WHEN 'Fee'
            THEN CASE
              WHEN NOT NULLIF(`reservation_reservation_a_r_n`, '') IS NULL
              THEN 0
              ELSE COALESCE(
                SAFE_CAST((
                  NULL
                ) AS BIGNUMERIC),
                SAFE_CAST((
                  `line_item_unblended_cost`
                ) AS BIGNUMERIC)
              )
            END
            ELSE COALESCE(
              SAFE_CAST((
                NULL
              ) AS BIGNUMERIC),
              SAFE_CAST((
                `line_item_unblended_cost`
              ) AS BIGNUMERIC)
            )
          END
        ) <> 0
      )
    )
    AND NOT COALESCE(
      NULLIF(`savings_plan_savings_plan_a_r_n`, ''),
      NULLIF(`reservation_reservation_a_r_n`, '')
    ) IS NULL
    THEN 'Unused'
  END AS STRING) AS `CommitmentDiscountStatus`,
  CAST(CASE
    WHEN `line_item_line_item_type` IN ('Tax', 'Credit', 'Refund')
    THEN NULL
    WHEN EXISTS(
      SELECT
        1
      FROM UNNEST(['SavingsPlanCoveredUsage', 'DiscountedUsage']) AS _col
      WHERE
        _col = `line_item_line_item_type`
    )
    OR `line_item_line_item_type` = 'SavingsPlanNegation'
    OR (
      (
        CASE
          WHEN `line_item_line_item_type` = 'Tax'
          THEN 'Tax'
          WHEN `line_item_line_item_type` = 'Credit'
          THEN 'Credit'
          WHEN `line_item_line_item_type` = 'Refund'
          THEN 'Adjustment'
          WHEN EXISTS(
            SELECT
              1
            FROM UNNEST(['Fee', 'RIFee', 'SavingsPlanUpfrontFee', 'SavingsPlanRecurringFee']) AS _col
            WHERE
              _col = `line_item_line_item_type`
          )
          THEN CASE
            WHEN `line_item_line_item_type` IN ('SavingsPlanRecurringFee', 'RIFee')
            AND COALESCE(
              SAFE_CAST((
                NULL
              ) AS BIGNUMERIC),
              SAFE_CAST((
                `line_item_unblended_cost`
              ) AS BIGNUMERIC)
            ) = 0
            THEN 'Usage'
            ELSE 'Purchase'
          END
          WHEN EXISTS(
            SELECT
              1
            FROM UNNEST([
              'Usage',
              'DiscountedUsage',
              'SavingsPlanCoveredUsage',
              'SavingsPlanNegation',
              'BundledDiscount',
              'Discount',
              'PrivateRateDiscount',
              'EdpDiscount'
            ]) AS _col
            WHERE
              _col = `line_item_line_item_type`
          )
          THEN 'Usage'
        END
      ) = 'Usage'
      AND EXISTS(
        SELECT
          1
        FROM UNNEST(['SavingsPlanRecurringFee', 'RIFee']) AS _col
        WHERE
          _col = `line_item_line_item_type`
      )
    )
    THEN 'Committed'
    WHEN `pricing_term` = 'Spot'
    OR CONTAINS_SUBSTR(COALESCE(`line_item_usage_type`, ''), 'SpotUsage')
    THEN 'Dynamic'
    ELSE 'Standard'
  END AS STRING) AS `PricingCategory`,
  CAST(SAFE_CAST(`line_item_usage_amount` AS FLOAT64) AS FLOAT64) AS `PricingQuantity`,
  CAST(CAST(`pricing_unit` AS STRING) AS STRING) AS `PricingUnit`,
  CAST(CASE
    WHEN EXISTS(
      SELECT
        1
      FROM UNNEST(['Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage']) AS _col
      WHERE
        _col = `line_item_line_item_type`
    )
    THEN SAFE_CAST(`line_item_usage_amount` AS FLOAT64)
  END AS FLOAT64) AS `ConsumedQuantity`,
  CAST(CASE
    WHEN EXISTS(
      SELECT
        1
      FROM UNNEST(['Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage']) AS _col
      WHERE
        _col = `line_item_line_item_type`
    )
    THEN CAST(`pricing_unit` AS STRING)
  END AS STRING) AS `ConsumedUnit`,
  CAST(SAFE_CAST(`pricing_public_on_demand_rate` AS FLOAT64) AS FLOAT64) AS `ListUnitPrice`,
  CAST(CASE
    WHEN EXISTS(
      SELECT
        1
      FROM UNNEST(['SavingsPlanCoveredUsage', 'DiscountedUsage']) AS _col
      WHERE
        _col = `line_item_line_item_type`
    )
    THEN SAFE_CAST(`pricing_public_on_demand_rate` AS FLOAT64)
    WHEN `line_item_line_item_type` = 'SavingsPlanNegation'
    THEN NULL
    ELSE SAFE_CAST(`line_item_unblended_rate` AS FLOAT64)
  END AS FLOAT64) AS `ContractedUnitPrice`,
  CAST(NULLIF(CAST(`bill_invoice_id` AS STRING), '') AS STRING) AS `InvoiceId`,
  CAST(COALESCE(CAST(`bill_invoicing_entity` AS STRING), 'Amazon Web Services') AS STRING) AS `InvoiceIssuerName`,
  CAST('AWS' AS STRING) AS `ProviderName`,
  CAST('AWS' AS STRING) AS `ServiceProviderName`,
  CAST(CASE
    WHEN `bill_billing_entity` = 'AWS Marketplace'
    THEN COALESCE(CAST(NULL AS STRING), 'AWS Marketplace')
    ELSE 'Amazon Web Services'
  END AS STRING) AS `PublisherName`,
  CAST(NULLIF(CAST(`line_item_availability_zone` AS STRING), '') AS STRING) AS `AvailabilityZone`,
  CAST(NULLIF(
    CAST(COALESCE(
      `product_region_code`,
      CAST((
        SELECT
          e.value
        FROM UNNEST(`product`) AS e
        WHERE
          e.key = 'region'
        LIMIT 1
      ) AS STRING)
    ) AS STRING),
    ''
  ) AS STRING) AS `RegionId`,
  CAST(NULLIF(CAST(`product_location` AS STRING), '') AS STRING) AS `RegionName`,
  CAST(NULLIF(CAST(`line_item_resource_id` AS STRING), '') AS STRING) AS `ResourceId`,
  CAST(COALESCE(
    NULLIF(
      CAST(CAST((
        SELECT
          e.value
        FROM UNNEST(`product`) AS e
        WHERE
          e.key = 'product_name'
        LIMIT 1
      ) AS STRING) AS STRING),
      ''
    ),
    CAST(`line_item_product_code` AS STRING)
  ) AS STRING) AS `ServiceName`,
  CAST(COALESCE(
    CASE CAST(`line_item_product_code` AS STRING)
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
  ) AS STRING) AS `ServiceCategory`,
  CAST(NULLIF(CAST(`product_sku` AS STRING), '') AS STRING) AS `SkuId`,
  CAST(NULLIF(CAST(`pricing_rate_id` AS STRING), '') AS STRING) AS `SkuPriceId`,
  CAST(CAST(`line_item_usage_account_id` AS STRING) AS STRING) AS `SubAccountId`,
  CAST(CAST(`line_item_usage_account_name` AS STRING) AS STRING) AS `SubAccountName`,
  CASE
    WHEN COALESCE(
      ARRAY_LENGTH(
        ARRAY(
          SELECT
            CASE
              WHEN STARTS_WITH(e.key, 'user_')
              THEN '' || SUBSTRING(e.key, 6)
              WHEN STARTS_WITH(e.key, 'aws_')
              THEN 'aws:' || SUBSTRING(e.key, 5)
              ELSE e.key
            END
          FROM UNNEST(`resource_tags`) AS e
          WHERE
            NOT e.value IS NULL
            AND CASE
              WHEN STARTS_WITH(e.key, 'user_')
              THEN '' || SUBSTRING(e.key, 6)
              WHEN STARTS_WITH(e.key, 'aws_')
              THEN 'aws:' || SUBSTRING(e.key, 5)
              ELSE e.key
            END <> ''
          ORDER BY
            e.key
        )
      ),
      0
    ) = 0
    THEN NULL
    ELSE JSON_OBJECT(
      ARRAY(
        SELECT
          CASE
            WHEN STARTS_WITH(e.key, 'user_')
            THEN '' || SUBSTRING(e.key, 6)
            WHEN STARTS_WITH(e.key, 'aws_')
            THEN 'aws:' || SUBSTRING(e.key, 5)
            ELSE e.key
          END
        FROM UNNEST(`resource_tags`) AS e
        WHERE
          NOT e.value IS NULL
          AND CASE
            WHEN STARTS_WITH(e.key, 'user_')
            THEN '' || SUBSTRING(e.key, 6)
            WHEN STARTS_WITH(e.key, 'aws_')
            THEN 'aws:' || SUBSTRING(e.key, 5)
            ELSE e.key
          END <> ''
        ORDER BY
          e.key
      ),
      ARRAY(
        SELECT
          e.value
        FROM UNNEST(`resource_tags`) AS e
        WHERE
          NOT e.value IS NULL
          AND CASE
            WHEN STARTS_WITH(e.key, 'user_')
            THEN '' || SUBSTRING(e.key, 6)
            WHEN STARTS_WITH(e.key, 'aws_')
            THEN 'aws:' || SUBSTRING(e.key, 5)
            ELSE e.key
          END <> ''
        ORDER BY
          e.key
      )
    )
  END AS `Tags`,
  CAST(NULLIF(CAST(`line_item_usage_type` AS STRING), '') AS STRING) AS `x_UsageType`,
  CAST(NULLIF(CAST(`line_item_operation` AS STRING), '') AS STRING) AS `x_Operation`,
  CASE
    WHEN COALESCE(
      ARRAY_LENGTH(
        ARRAY(
          SELECT
            e.key
          FROM UNNEST(`cost_category`) AS e
          WHERE
            NOT e.value IS NULL AND e.key <> ''
          ORDER BY
            e.key
        )
      ),
      0
    ) = 0
    THEN NULL
    ELSE JSON_OBJECT(
      ARRAY(
        SELECT
          e.key
        FROM UNNEST(`cost_category`) AS e
        WHERE
          NOT e.value IS NULL AND e.key <> ''
        ORDER BY
          e.key
      ),
      ARRAY(
        SELECT
          e.value
        FROM UNNEST(`cost_category`) AS e
        WHERE
          NOT e.value IS NULL AND e.key <> ''
        ORDER BY
          e.key
      )
    )
  END AS `x_CostCategories`,
  CASE
    WHEN COALESCE(
      ARRAY_LENGTH(
        ARRAY(
          SELECT
            e.key
          FROM UNNEST(`discount`) AS e
          WHERE
            NOT e.value IS NULL AND e.key <> ''
          ORDER BY
            e.key
        )
      ),
      0
    ) = 0
    THEN NULL
    ELSE JSON_OBJECT(
      ARRAY(
        SELECT
          e.key
        FROM UNNEST(`discount`) AS e
        WHERE
          NOT e.value IS NULL AND e.key <> ''
        ORDER BY
          e.key
      ),
      ARRAY(
        SELECT
          e.value
        FROM UNNEST(`discount`) AS e
        WHERE
          NOT e.value IS NULL AND e.key <> ''
        ORDER BY
          e.key
      )
    )
  END AS `x_Discounts`,
  CAST(CAST(`line_item_line_item_type` AS STRING) AS STRING) AS `x_SourceLineItemType`,
  CAST(NULL AS STRING) AS `BillingAccountType`,
  CAST(NULL AS STRING) AS `CapacityReservationId`,
  CAST(NULL AS STRING) AS `CapacityReservationStatus`,
  CAST(NULL AS STRING) AS `CommitmentDiscountName`,
  CAST(NULL AS FLOAT64) AS `CommitmentDiscountQuantity`,
  CAST(NULL AS STRING) AS `CommitmentDiscountUnit`,
  CAST(NULL AS STRING) AS `PricingCurrency`,
  CAST(NULL AS FLOAT64) AS `PricingCurrencyContractedUnitPrice`,
  CAST(NULL AS BIGNUMERIC) AS `PricingCurrencyEffectiveCost`,
  CAST(NULL AS FLOAT64) AS `PricingCurrencyListUnitPrice`,
  CAST(NULL AS STRING) AS `ResourceName`,
  CAST(NULL AS STRING) AS `ResourceType`,
  CAST(NULL AS STRING) AS `ServiceSubcategory`,
  CAST(NULL AS STRING) AS `SkuMeter`,
  CAST(NULL AS JSON) AS `SkuPriceDetails`,
  CAST(NULL AS STRING) AS `SubAccountType`,
  CAST(NULL AS STRING) AS `HostProviderName`,
  CAST(NULL AS JSON) AS `ContractApplied`
FROM `billing-prod`.`billing`.`cur2`
