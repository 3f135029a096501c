-- parameters: end, provider, start
SELECT
  CommitmentDiscountId AS commitment_id,
  MIN(CommitmentDiscountName) AS commitment_name,
  MIN(CommitmentDiscountType) AS commitment_type,
  MIN(CommitmentDiscountCategory) AS commitment_category,
  MIN(ProviderName) AS provider,
  CAST(COALESCE(SUM(EffectiveCost) FILTER(WHERE
    CommitmentDiscountStatus = 'Used'), 0) AS DECIMAL(38, 10)) AS used_cost,
  CAST(COALESCE(SUM(EffectiveCost) FILTER(WHERE
    CommitmentDiscountStatus = 'Unused'), 0) AS DECIMAL(38, 10)) AS unused_cost,
  COUNT(*) FILTER(WHERE
    CommitmentDiscountStatus = 'Used') AS used_rows,
  COUNT(*) FILTER(WHERE
    CommitmentDiscountStatus = 'Unused') AS unused_rows,
  CAST(SUM(EffectiveCost) FILTER(WHERE
    CommitmentDiscountStatus = 'Used') AS DOUBLE) / CAST(NULLIF(
    SUM(EffectiveCost) FILTER(WHERE
      CommitmentDiscountStatus IN ('Used', 'Unused')),
    0
  ) AS DOUBLE) AS utilisation
FROM `focus_cost` AS cost
WHERE
  ChargePeriodStart >= :start
  AND ChargePeriodStart < :end
  AND ChargeCategory = 'Usage'
  AND NOT CommitmentDiscountId IS NULL
  AND CommitmentDiscountStatus IN ('Used', 'Unused')
  AND (
    :provider IS NULL OR ProviderName = :provider
  )
GROUP BY
  CommitmentDiscountId
ORDER BY
  provider NULLS LAST,
  commitment_id NULLS LAST
