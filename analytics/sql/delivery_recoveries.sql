-- Failed-deployment recovery: one row per incident created in [$period_start, $period_end) that is
-- linked to a successful deployment in scope (deployed at any time; scope and links as in
-- delivery_deployments.sql), canceled incidents left out. The clock starts when the incident starts
-- (created_at — fourkeys #119: not at the deployment) and stops at its resolve time (the vendor's
-- seconds_to_resolve when given), in minutes. still_open marks incidents without a resolve time
-- (right-censored: counted, left out of the quantiles). An incident linked to several deployments
-- is attributed to the earliest.
WITH scoped AS (
    SELECT * FROM deployments_labelled(NULL, NULL, $service, $team, $repo, $environment)
),
links AS (
    SELECT * FROM incident_deployment_links($period_start, $period_end, NULL, NULL, $service, $team, $repo,
                                            $environment)
),
first_link AS (
    SELECT l.incident_id, d.deployment_id, d.service, d.team, d.repo, d.environment
    FROM links AS l JOIN scoped AS d ON d.deployment_id = l.deployment_id
    QUALIFY row_number() OVER (PARTITION BY l.incident_id ORDER BY d.deployed_at, d.deployment_id) = 1
)
SELECT i.incident_id, f.deployment_id, f.service, f.team, f.repo, f.environment, i.severity, i.created_at,
       i.resolved_at,
       incident_minutes_to_resolve(i) AS minutes_to_recover,
       incident_seconds_to_resolve(i) IS NULL AS still_open
FROM incidents AS i
JOIN first_link AS f ON f.incident_id = i.incident_id
ORDER BY i.created_at, i.incident_id
