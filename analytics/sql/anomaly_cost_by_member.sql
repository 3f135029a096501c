-- Daily EffectiveCost of the judged rows inside one anomaly scope, split by the member dimension
-- $member_dim: resource (ResourceId), account, region, usage_type, or tag (the value of the tag
-- $member_tag_key). Used for the root-cause contributions that the level series do not hold and
-- for the annotation's services. Scope filters are bound values; NULL means any. Judged rows and
-- members (the cost_dimension_value macro: '(not set)', '(untagged)') as in anomaly_cost_by_day.sql.
SELECT CASE $member_dim::VARCHAR
            WHEN 'resource' THEN coalesce(nullif(trim(ResourceId), ''), '(no resource id)')
            WHEN 'account' THEN cost_dimension_value('SubAccountId', NULL, c)
            WHEN 'region' THEN cost_dimension_value('RegionId', NULL, c)
            WHEN 'usage_type' THEN cost_dimension_value('x_UsageType', NULL, c)
            ELSE cost_dimension_value('tag', member_tag.tag_value, c) END AS member,
       ChargePeriodStart::DATE AS day,
       sum(EffectiveCost)::DOUBLE AS cost
FROM cost AS c
LEFT JOIN cost_tags AS member_tag ON member_tag.Tags = c.Tags AND member_tag.tag_key = $member_tag_key::VARCHAR
LEFT JOIN cost_tags AS scope_tag ON scope_tag.Tags = c.Tags AND scope_tag.tag_key = $tag_key::VARCHAR
WHERE ChargePeriodStart >= $start AND ChargePeriodStart < $end
  AND ChargeCategory = 'Usage'
  AND ChargeClass IS DISTINCT FROM 'Correction'
  AND coalesce(ChargeFrequency, 'Usage-Based') NOT IN ('One-Time', 'Recurring')
  AND CommitmentDiscountStatus IS DISTINCT FROM 'Unused'
  AND ($provider::VARCHAR IS NULL OR cost_dimension_value('ProviderName', NULL, c) = $provider)
  AND ($service::VARCHAR IS NULL OR cost_dimension_value('ServiceName', NULL, c) = $service)
  AND ($account::VARCHAR IS NULL OR cost_dimension_value('SubAccountId', NULL, c) = $account)
  AND ($region::VARCHAR IS NULL OR cost_dimension_value('RegionId', NULL, c) = $region)
  AND ($usage_type::VARCHAR IS NULL OR cost_dimension_value('x_UsageType', NULL, c) = $usage_type)
  AND ($tag::VARCHAR IS NULL OR cost_dimension_value('tag', scope_tag.tag_value, c) = $tag)
GROUP BY ALL
ORDER BY member, day
