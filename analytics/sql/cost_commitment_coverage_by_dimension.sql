-- Commitment coverage (project definition, docs/metrics.md §4) per value of one dimension over usage rows
-- whose ChargePeriodStart lies in [$start, $end): Σ EffectiveCost of usage a commitment covered
-- (CommitmentDiscountStatus = 'Used') / Σ EffectiveCost of usage eligible for commitments
-- (PricingCategory Standard or Committed; Spot/Dynamic/Other excluded). Unused-commitment rows are
-- not usage and are in neither sum. Dimension, scope and window: the cost_dimension_value and
-- cost_in_scope macros (migration 0006).
WITH scoped AS (
    SELECT EffectiveCost,
           CommitmentDiscountStatus = 'Used' AS covered,
           cost_dimension_value($dimension, dimension_tag.tag_value, cost_row) AS value
    FROM cost_in_scope($start, $end, $provider, $service, $account, $region, $filter_tag_key, $filter_tag_value)
         AS cost_row
         LEFT JOIN cost_tags AS dimension_tag
                ON dimension_tag.Tags = cost_row.Tags AND dimension_tag.tag_key = $dimension_tag_key
    WHERE ChargeCategory = 'Usage'
      AND NOT coalesce(ChargeClass = 'Correction', false)
      AND PricingCategory IN ('Standard', 'Committed')
      AND CommitmentDiscountStatus IS DISTINCT FROM 'Unused'
)
SELECT value,
       coalesce(sum(EffectiveCost) FILTER (WHERE covered), 0)::DECIMAL(38, 10) AS covered_cost,
       sum(EffectiveCost)::DECIMAL(38, 10) AS eligible_cost,
       coalesce(sum(EffectiveCost) FILTER (WHERE covered), 0)::DOUBLE / nullif(sum(EffectiveCost), 0)::DOUBLE
           AS coverage,
       count(*) AS rows
FROM scoped
GROUP BY value
ORDER BY eligible_cost DESC, value
