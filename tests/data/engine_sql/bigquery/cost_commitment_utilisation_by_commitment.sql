-- parameters: end, provider, start
SELECT
  CommitmentDiscountId AS commitment_id,
  MIN(CommitmentDiscountName) AS commitment_name,
  MIN(CommitmentDiscountType) AS commitment_type,
  MIN(CommitmentDiscountCategory) AS commitment_category,
  MIN(ProviderName) AS provider,
  CAST(COALESCE(SUM(IF(CommitmentDiscountStatus = 'Used', EffectiveCost, NULL)), 0) AS BIGNUMERIC) AS used_cost,
  CAST(COALESCE(SUM(IF(CommitmentDiscountStatus = 'Unused', EffectiveCost, NULL)), 0) AS BIGNUMERIC) AS unused_cost,
  COUNTIF(CommitmentDiscountStatus = 'Used') AS used_rows,
  COUNTIF(CommitmentDiscountStatus = 'Unused') AS unused_rows,
  CAST(SUM(IF(CommitmentDiscountStatus = 'Used', EffectiveCost, NULL)) AS FLOAT64) / CAST(NULLIF(SUM(IF(CommitmentDiscountStatus IN ('Used', 'Unused'), EffectiveCost, NULL)), 0) AS FLOAT64) AS utilisation
FROM `billing-prod`.`focus`.`costs` AS cost
WHERE
  ChargePeriodStart >= @start
  AND ChargePeriodStart < @end
  AND ChargeCategory = 'Usage'
  AND NOT CommitmentDiscountId IS NULL
  AND CommitmentDiscountStatus IN ('Used', 'Unused')
  AND (
    @provider IS NULL OR ProviderName = @provider
  )
GROUP BY
  commitment_id
ORDER BY
  provider NULLS LAST,
  commitment_id NULLS LAST
