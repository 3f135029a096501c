-- Tag coverage inputs for the tag key $tag_key (a bound value) over rows whose ChargePeriodStart
-- lies in [$start, $end): per value of one dimension and per row class, Σ EffectiveCost and rows,
-- in total and with the tag present and non-empty. Row classes: 'usage' is the only taggable one;
-- 'correction' (ChargeClass = 'Correction'), 'tax', 'support' (ServiceName mentions support),
-- 'purchase', 'credit' (Credit and Adjustment) and 'unused commitment' (CommitmentDiscountStatus =
-- 'Unused') cannot carry resource tags and are reported apart (docs/metrics.md §4). Dimension, scope and
-- window: the cost_dimension_value and cost_in_scope macros (migrations 0006, 0010); tag values are
-- joined from cost_tags (migration 0010).
WITH scoped AS (
    SELECT EffectiveCost,
           nullif(trim(coverage_tag.tag_value), '') IS NOT NULL AS tagged,
           CASE
               WHEN coalesce(ChargeClass = 'Correction', false) THEN 'correction'
               WHEN ChargeCategory = 'Tax' THEN 'tax'
               WHEN ServiceName ILIKE '%support%' THEN 'support'
               WHEN ChargeCategory = 'Purchase' THEN 'purchase'
               WHEN ChargeCategory IN ('Credit', 'Adjustment') THEN 'credit'
               WHEN CommitmentDiscountStatus = 'Unused' THEN 'unused commitment'
               ELSE 'usage'
           END AS row_class,
           cost_dimension_value($dimension, dimension_tag.tag_value, cost_row) AS value
    FROM cost_in_scope($start, $end, $provider, $service, $account, $region, $filter_tag_key, $filter_tag_value)
         AS cost_row
         LEFT JOIN cost_tags AS dimension_tag
                ON dimension_tag.Tags = cost_row.Tags AND dimension_tag.tag_key = $dimension_tag_key
         LEFT JOIN cost_tags AS coverage_tag ON coverage_tag.Tags = cost_row.Tags AND coverage_tag.tag_key = $tag_key
)
SELECT value,
       row_class,
       row_class = 'usage' AS taggable,
       sum(EffectiveCost)::DECIMAL(38, 10) AS cost,
       coalesce(sum(EffectiveCost) FILTER (WHERE tagged), 0)::DECIMAL(38, 10) AS tagged_cost,
       count(*) AS rows,
       count(*) FILTER (WHERE tagged) AS tagged_rows
FROM scoped
GROUP BY ALL
ORDER BY value, taggable DESC, row_class
