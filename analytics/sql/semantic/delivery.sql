-- Delivery semantic layer: the one definition of "a distinct successful deployment in scope" the
-- statements in analytics/sql/delivery_*.sql build on (docs/metrics.md §2). Installed as TEMP
-- macros on every warehouse connection, like incidents.sql.
--
--   deployments_in_scope(p_start, p_end, p_service, p_team, p_repo, p_environment)
--       table: successful deployments with deployed_at in [p_start, p_end) (NULL bounds: any time), in scope (service;
--       owner team = the deployment's team, else the catalogue owner; repo; environment compared
--       case-insensitively; NULL = any), with duplicate copies of one source deployment (same source
--       and source_id: replayed webhooks, overlapping exports — fourkeys #213/#383) removed, keeping
--       the latest copy (then the smallest deployment_id). Adds owner_team.
--   deployments_labelled(p_start, p_end, p_service, p_team, p_repo, p_environment)
--       table: the same deployments as the rows the delivery statements report: deployment_id,
--       source, source_id, deployed_at, commit_sha, is_rework, is_rollback, and service, team
--       (owner_team), repo and environment with the placeholders '(no service)', '(no team)',
--       '(no repo)' and '(no environment)' where unknown.
--
-- The link between an incident and a deployment is incident_deployment_links() in incidents.sql
-- (it needs incident_is_live, which is installed after this file).

CREATE OR REPLACE TEMP MACRO deployments_in_scope(p_start, p_end, p_service, p_team, p_repo, p_environment) AS TABLE
    SELECT d.*, coalesce(d.team, s.team) AS owner_team
    FROM deployments AS d
    LEFT JOIN services AS s ON s.service = d.service
    WHERE d.status = 'success'
      AND (p_start IS NULL OR d.deployed_at >= p_start) AND (p_end IS NULL OR d.deployed_at < p_end)
      AND (p_service IS NULL OR d.service = p_service)
      AND (p_team IS NULL OR coalesce(d.team, s.team) = p_team)
      AND (p_repo IS NULL OR d.repo = p_repo)
      AND (p_environment IS NULL OR lower(d.environment) = lower(p_environment))
    QUALIFY row_number() OVER (PARTITION BY d.source, d.source_id ORDER BY d.deployed_at DESC, d.deployment_id) = 1;

CREATE OR REPLACE TEMP MACRO deployments_labelled(p_start, p_end, p_service, p_team, p_repo, p_environment) AS TABLE
    SELECT d.deployment_id, d.source, d.source_id,
           coalesce(d.service, '(no service)') AS service,
           coalesce(d.owner_team, '(no team)') AS team,
           coalesce(d.repo, '(no repo)') AS repo,
           coalesce(d.environment, '(no environment)') AS environment,
           d.deployed_at, d.commit_sha, d.is_rework, d.is_rollback
    FROM deployments_in_scope(p_start, p_end, p_service, p_team, p_repo, p_environment) AS d;
