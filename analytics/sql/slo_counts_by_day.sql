-- Good and total events per SLO and UTC day of [$period_start, $period_end) for the SLOs in scope
-- ($service, $team, $slo), with each SLO's target; every day of the period appears (0 where no data),
-- for the calendar-aligned error-budget burn-down. Intervals count on the day of their interval_start.
WITH scoped AS (
    SELECT o.slo, o.service, o.target
    FROM slos_in_scope($service, $team, $slo) AS o
),
days AS (
    SELECT unnest(generate_series($period_start::TIMESTAMPTZ, $period_end::TIMESTAMPTZ - INTERVAL 1 DAY,
                                  INTERVAL 1 DAY)) AS day_start
),
counted AS (
    SELECT i.slo, date_trunc('day', i.interval_start) AS day_start, sum(i.good) AS good, sum(i.total) AS total
    FROM sli AS i SEMI JOIN scoped AS o ON o.slo = i.slo
    WHERE i.interval_start >= $period_start AND i.interval_start < $period_end
    GROUP BY ALL
)
SELECT o.slo, o.service, o.target, d.day_start::DATE AS day,
       coalesce(c.good, 0)::BIGINT AS good, coalesce(c.total, 0)::BIGINT AS total
FROM scoped AS o
CROSS JOIN days AS d
LEFT JOIN counted AS c ON c.slo = o.slo AND c.day_start = d.day_start
ORDER BY o.slo, d.day_start
