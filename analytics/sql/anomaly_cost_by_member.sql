-- Daily EffectiveCost of the judged rows inside one anomaly scope, split by the member dimension
-- $member_dim: resource (ResourceId), account, region, usage_type, or tag (the value of the tag
-- $member_tag_key). Used for the root-cause contributions that the level series do not hold and
-- for the annotation's services. Scope filters are bound values; NULL means any. Judged rows as in
-- anomaly_cost_by_day.sql.
SELECT CASE $member_dim::VARCHAR
            WHEN 'resource' THEN coalesce(ResourceId, '(no resource id)')
            WHEN 'account' THEN coalesce(SubAccountId, '(none)')
            WHEN 'region' THEN coalesce(RegionId, '(none)')
            WHEN 'usage_type' THEN coalesce(x_UsageType, '(none)')
            ELSE coalesce(nullif(json_extract_string(Tags, '$.' || to_json($member_tag_key::VARCHAR)::VARCHAR), ''),
                          '(untagged)') END AS member,
       ChargePeriodStart::DATE AS day,
       sum(EffectiveCost)::DOUBLE AS cost
FROM cost
WHERE ChargePeriodStart >= $start AND ChargePeriodStart < $end
  AND ChargeCategory = 'Usage'
  AND ChargeClass IS DISTINCT FROM 'Correction'
  AND coalesce(ChargeFrequency, 'Usage-Based') NOT IN ('One-Time', 'Recurring')
  AND CommitmentDiscountStatus IS DISTINCT FROM 'Unused'
  AND ($provider::VARCHAR IS NULL OR ProviderName = $provider)
  AND ($service::VARCHAR IS NULL OR coalesce(ServiceName, '(none)') = $service)
  AND ($account::VARCHAR IS NULL OR coalesce(SubAccountId, '(none)') = $account)
  AND ($region::VARCHAR IS NULL OR coalesce(RegionId, '(none)') = $region)
  AND ($usage_type::VARCHAR IS NULL OR coalesce(x_UsageType, '(none)') = $usage_type)
  AND ($tag::VARCHAR IS NULL
       OR coalesce(nullif(json_extract_string(Tags, '$.' || to_json($tag_key::VARCHAR)::VARCHAR), ''), '(untagged)')
          = $tag)
GROUP BY ALL
ORDER BY member, day
