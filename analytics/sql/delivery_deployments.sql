-- One row per distinct successful deployment with deployed_at in [$period_start, $period_end) in scope
-- ($service, $team — the deployment's team, else the catalogue owner —, $repo, $environment; NULL = all),
-- with the incidents linked to it. Duplicate copies of one source deployment (same source and
-- source_id: replayed webhooks, overlapping exports — fourkeys #213/#383) are removed before any join.
-- An incident is linked to a deployment when it names it (incidents.deployment_id) or names a commit
-- it shipped (incidents.change_id = its head commit or one of its changes: fourkeys' root-cause
-- link); canceled incidents are left out. failed is TRUE when at least one incident is linked, so a
-- deployment linked to several incidents counts once (the change-failure-rate numerator).
WITH scoped AS (
    SELECT * FROM deployments_labelled($period_start, $period_end, $service, $team, $repo, $environment)
),
links AS (
    SELECT * FROM incident_deployment_links(NULL, NULL, $period_start, $period_end, $service, $team, $repo,
                                            $environment)
)
SELECT d.deployment_id, d.source, d.source_id, d.service, d.team, d.repo, d.environment, d.deployed_at,
       d.commit_sha, d.is_rework OR d.is_rollback AS rework, d.is_rollback,
       count(l.incident_id)::BIGINT AS linked_incidents,
       count(l.incident_id) > 0 AS failed
FROM scoped AS d
LEFT JOIN links AS l ON l.deployment_id = d.deployment_id
GROUP BY ALL
ORDER BY d.deployed_at, d.deployment_id
