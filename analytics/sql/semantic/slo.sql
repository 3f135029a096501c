-- SLO semantic layer: the one definition of "an SLO in scope" the statements in
-- analytics/sql/slo_*.sql build on (docs/metrics.md). Installed as TEMP macros on every warehouse
-- connection, like incidents.sql.
--
--   slos_in_scope(p_service, p_team, p_slo)
--       table: every SLO (all columns of slos) of the service p_service, whose service the catalogue
--       gives to team p_team, and named p_slo (NULL = any); adds team and tier, the catalogue's
--       (NULL for a service the catalogue does not list).

CREATE OR REPLACE TEMP MACRO slos_in_scope(p_service, p_team, p_slo) AS TABLE
    SELECT o.*, s.team AS team, s.tier AS tier
    FROM slos AS o
    LEFT JOIN services AS s ON s.service = o.service
    WHERE (p_service IS NULL OR o.service = p_service)
      AND (p_team IS NULL OR s.team = p_team)
      AND (p_slo IS NULL OR o.slo = p_slo);
