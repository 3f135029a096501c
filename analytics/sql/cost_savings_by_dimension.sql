-- Rate-optimisation savings per value of one dimension over rows whose ChargePeriodStart lies in
-- [$start, $end) (docs/metrics.md §5, docs/metrics.md §4): negotiated = Σ(ListCost − ContractedCost),
-- commitment = Σ(ContractedCost − EffectiveCost), total = Σ(ListCost − EffectiveCost), ESR = total /
-- Σ ListCost. Commitment purchases are left out — prepaid ones (Purchase with BilledCost > 0 and
-- EffectiveCost = 0) and any Purchase carrying a CommitmentDiscountCategory — because their cost is
-- already in the amortised usage rows; counting both would double count. Corrections (unit prices need
-- not hold) and rows without ListCost or ContractedCost are left out too, and every exclusion is
-- counted. Unused commitment stays in: its EffectiveCost above a zero ContractedCost is negative
-- savings (waste). Dimension, scope and window: the
-- cost_dimension_value and cost_in_scope macros (migration 0006).
WITH scoped AS (
    SELECT ListCost,
           ContractedCost,
           EffectiveCost,
           BilledCost,
           CASE
               WHEN ChargeCategory = 'Purchase'
                    AND ((BilledCost > 0 AND EffectiveCost = 0) OR CommitmentDiscountCategory IS NOT NULL)
                   THEN 'commitment purchase'
               WHEN coalesce(ChargeClass = 'Correction', false) THEN 'correction'
               WHEN ListCost IS NULL OR ContractedCost IS NULL THEN 'no list or contracted cost'
           END AS excluded_as,
           CommitmentDiscountStatus = 'Unused' AS unused,
           cost_dimension_value($dimension, dimension_tag.tag_value, cost_row) AS value
    FROM cost_in_scope($start, $end, $provider, $service, $account, $region, $filter_tag_key, $filter_tag_value)
         AS cost_row
         LEFT JOIN cost_tags AS dimension_tag
                ON dimension_tag.Tags = cost_row.Tags AND dimension_tag.tag_key = $dimension_tag_key
)
SELECT value,
       coalesce(sum(ListCost) FILTER (WHERE excluded_as IS NULL), 0)::DECIMAL(38, 10) AS list_cost,
       coalesce(sum(ContractedCost) FILTER (WHERE excluded_as IS NULL), 0)::DECIMAL(38, 10) AS contracted_cost,
       coalesce(sum(EffectiveCost) FILTER (WHERE excluded_as IS NULL), 0)::DECIMAL(38, 10) AS effective_cost,
       coalesce(sum(ListCost - ContractedCost) FILTER (WHERE excluded_as IS NULL), 0)::DECIMAL(38, 10)
           AS negotiated_savings,
       coalesce(sum(ContractedCost - EffectiveCost) FILTER (WHERE excluded_as IS NULL), 0)::DECIMAL(38, 10)
           AS commitment_savings,
       coalesce(sum(ListCost - EffectiveCost) FILTER (WHERE excluded_as IS NULL), 0)::DECIMAL(38, 10)
           AS total_savings,
       coalesce(sum(EffectiveCost) FILTER (WHERE excluded_as IS NULL AND unused), 0)::DECIMAL(38, 10)
           AS unused_commitment_cost,
       count(*) FILTER (WHERE excluded_as IS NULL) AS rows,
       count(*) FILTER (WHERE excluded_as = 'commitment purchase') AS purchase_rows_excluded,
       coalesce(sum(BilledCost) FILTER (WHERE excluded_as = 'commitment purchase'), 0)::DECIMAL(38, 10)
           AS purchase_billed_excluded,
       count(*) FILTER (WHERE excluded_as = 'correction') AS correction_rows_excluded,
       count(*) FILTER (WHERE excluded_as = 'no list or contracted cost') AS unpriced_rows_excluded,
       coalesce(sum(EffectiveCost) FILTER (WHERE excluded_as = 'no list or contracted cost'), 0)::DECIMAL(38, 10)
           AS unpriced_cost_excluded
FROM scoped
GROUP BY value
ORDER BY list_cost DESC, value
