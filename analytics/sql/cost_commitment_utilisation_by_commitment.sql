-- Commitment utilisation per CommitmentDiscountId over usage rows whose ChargePeriodStart lies in
-- [$start, $end) (FOCUS: Σ EffectiveCost(Status = 'Used') / Σ EffectiveCost(Status IN ('Used',
-- 'Unused'))). Only the provider filter applies: unused-commitment rows sit in the payer account, so
-- an account filter would make a commitment look fully used. NULL utilisation when there is nothing
-- to divide by.
SELECT CommitmentDiscountId AS commitment_id,
       min(CommitmentDiscountName) AS commitment_name,
       min(CommitmentDiscountType) AS commitment_type,
       min(CommitmentDiscountCategory) AS commitment_category,
       min(ProviderName) AS provider,
       coalesce(sum(EffectiveCost) FILTER (WHERE CommitmentDiscountStatus = 'Used'), 0)::DECIMAL(38, 10) AS used_cost,
       coalesce(sum(EffectiveCost) FILTER (WHERE CommitmentDiscountStatus = 'Unused'), 0)::DECIMAL(38, 10)
           AS unused_cost,
       count(*) FILTER (WHERE CommitmentDiscountStatus = 'Used') AS used_rows,
       count(*) FILTER (WHERE CommitmentDiscountStatus = 'Unused') AS unused_rows,
       sum(EffectiveCost) FILTER (WHERE CommitmentDiscountStatus = 'Used')::DOUBLE
           / nullif(sum(EffectiveCost) FILTER (WHERE CommitmentDiscountStatus IN ('Used', 'Unused')), 0)::DOUBLE
           AS utilisation
FROM cost
WHERE ChargePeriodStart >= $start AND ChargePeriodStart < $end
  AND ChargeCategory = 'Usage'
  AND CommitmentDiscountId IS NOT NULL
  AND CommitmentDiscountStatus IN ('Used', 'Unused')
  AND ($provider IS NULL OR ProviderName = $provider)
GROUP BY CommitmentDiscountId
ORDER BY provider, commitment_id
