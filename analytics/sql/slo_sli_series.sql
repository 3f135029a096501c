-- The SLI intervals of the SLOs in scope ($service, $team, $slo) that end in ($lookback_start, $period_end],
-- with each SLO's target, ordered by SLO and interval end: the input of the trailing-window burn
-- rates (the lookback before the period gives the long windows of the first evaluations their data).
WITH scoped AS (
    SELECT o.slo, o.service, o.target
    FROM slos_in_scope($service, $team, $slo) AS o
)
SELECT i.slo, o.service, o.target, i.interval_start, i.interval_end, i.good, i.total
FROM sli AS i JOIN scoped AS o ON o.slo = i.slo
WHERE i.interval_end > $lookback_start AND i.interval_end <= $period_end
ORDER BY i.slo, i.interval_end, i.interval_start
