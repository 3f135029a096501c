-- Deployments and incidents of the services in $services with a timestamp in [$start, $end):
-- what happened to the services behind a cost anomaly around its start.
SELECT 'deployment' AS kind, deployment_id AS id, service, deployed_at AS happened_at,
       trim(coalesce(environment, '') || ' ' || coalesce(status, '') ||
            CASE WHEN is_rollback THEN ' rollback' ELSE '' END) AS detail
FROM deployments
WHERE list_contains(CAST($services AS VARCHAR[]), service) AND deployed_at >= $start AND deployed_at < $end
UNION ALL
SELECT 'incident' AS kind, incident_id AS id, service, created_at AS happened_at,
       trim(coalesce(severity, '') || ' ' || coalesce(title, '')) AS detail
FROM incidents
WHERE list_contains(CAST($services AS VARCHAR[]), service) AND created_at >= $start AND created_at < $end
ORDER BY happened_at, kind, id
