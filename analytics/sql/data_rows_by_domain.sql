-- Rows per data domain for [$period_start, $period_end), so a report can tell "not loaded" from "zero"
-- and name the `opsreview ingest` command that would load what is missing:
--   incidents         incidents created in the period (canceled ones left out)
--   pages             notify events (pages) in the period
--   deployments       deployments (any environment, any status) in the period
--   changes           commits shipped by a deployment of the period
--   pipeline_runs     CI runs started in the period
--   slos              SLO definitions (not dated)
--   sli               SLI intervals starting in the period
--   cost              cost rows charged in the period
--   budgets           budget rows of any scope whose period starts in the period
--   business_metrics  business volume rows dated in the period
--   tiered_services   catalogue services with a tier (not dated)
SELECT 'incidents' AS domain, count(*)::BIGINT AS row_count
FROM incidents
WHERE created_at >= $period_start AND created_at < $period_end AND incident_is_live(status)
UNION ALL
SELECT 'pages', count(*)::BIGINT
FROM incident_events
WHERE event_type = 'notify' AND event_at >= $period_start AND event_at < $period_end
UNION ALL
SELECT 'deployments', count(*)::BIGINT
FROM deployments
WHERE deployed_at >= $period_start AND deployed_at < $period_end
UNION ALL
SELECT 'changes', count(*)::BIGINT
FROM changes AS c
JOIN deployments AS d ON d.deployment_id = c.deployment_id
WHERE d.deployed_at >= $period_start AND d.deployed_at < $period_end
UNION ALL
SELECT 'pipeline_runs', count(*)::BIGINT
FROM pipeline_runs
WHERE started_at >= $period_start AND started_at < $period_end
UNION ALL
SELECT 'slos', count(*)::BIGINT FROM slos
UNION ALL
SELECT 'sli', count(*)::BIGINT
FROM sli
WHERE interval_start >= $period_start AND interval_start < $period_end
UNION ALL
SELECT 'cost', count(*)::BIGINT
FROM cost
WHERE ChargePeriodStart >= $period_start AND ChargePeriodStart < $period_end
UNION ALL
SELECT 'budgets', count(*)::BIGINT
FROM budgets
WHERE period_start >= CAST($period_start AS DATE) AND period_start < CAST($period_end AS DATE)
UNION ALL
SELECT 'business_metrics', count(*)::BIGINT
FROM business_metrics
WHERE date >= CAST($period_start AS DATE) AND date < CAST($period_end AS DATE)
UNION ALL
SELECT 'tiered_services', count(*)::BIGINT FROM services WHERE tier IS NOT NULL
ORDER BY domain
