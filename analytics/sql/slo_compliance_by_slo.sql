-- Compliance and error budget per SLO over [$period_start, $period_end), calendar-aligned (the budget
-- resets at the period start), for the SLOs in scope ($service, $team from the catalogue, $slo; NULL =
-- all). SLI intervals belong to the period that contains their interval_start. Compliance follows the
-- SLO's budgeting method: Occurrences = Σ good / Σ total (request-weighted, never a mean of ratios);
-- Timeslices = good slices / slices, a slice (time_slice_window, else one SLI interval) being good when
-- its ratio >= time_slice_target; RatioTimeslices = the mean of the slice ratios. Slices without valid
-- events are left out. Budget consumed = (1 − compliance) / (1 − target); remaining = 1 − consumed,
-- negative when overspent (shown, never clamped). An SLO without SLI data in the period has NULLs.
-- coverage = Σ interval length / period length (how much of the period the SLI data covers);
-- interval_minutes = the median SLI interval length (the grain the burn-rate windows are evaluated at).
WITH scoped AS (
    SELECT o.slo, o.service, o.team, o.tier, o.journey, o.target, o.budgeting_method, o.time_slice_target,
           CASE WHEN o.time_slice_window IS NOT NULL THEN
               to_seconds(CAST(regexp_extract(o.time_slice_window, '^(\d+)', 1) AS BIGINT)
                          * CASE right(o.time_slice_window, 1) WHEN 's' THEN 1 WHEN 'm' THEN 60 WHEN 'h' THEN 3600
                                                                WHEN 'd' THEN 86400 END)
           END AS slice_length
    FROM slos_in_scope($service, $team, $slo) AS o
),
counts AS (
    SELECT i.slo, i.interval_start, i.interval_end, i.good, i.total
    FROM sli AS i SEMI JOIN scoped AS o ON o.slo = i.slo
    WHERE i.interval_start >= $period_start AND i.interval_start < $period_end
),
slices AS (
    SELECT c.slo,
           CASE WHEN o.slice_length IS NULL THEN c.interval_start
                ELSE time_bucket(o.slice_length, c.interval_start, $period_start::TIMESTAMPTZ) END AS slice_start,
           sum(c.good) AS good, sum(c.total) AS total
    FROM counts AS c JOIN scoped AS o ON o.slo = c.slo
    WHERE o.budgeting_method <> 'Occurrences'
    GROUP BY ALL
),
by_slice AS (
    SELECT s.slo,
           count(*) FILTER (WHERE s.total > 0) AS slices,
           count(*) FILTER (WHERE s.total > 0 AND s.good / s.total >= o.time_slice_target) AS good_slices,
           avg(s.good / s.total) FILTER (WHERE s.total > 0) AS mean_slice_ratio
    FROM slices AS s JOIN scoped AS o ON o.slo = s.slo
    GROUP BY s.slo
),
totals AS (
    SELECT slo, count(*) AS intervals, sum(good) AS good, sum(total) AS total,
           min(interval_start) AS first_interval_start, max(interval_end) AS last_interval_end,
           sum(epoch(interval_end - interval_start)) AS covered_seconds,
           median(epoch(interval_end - interval_start)) / 60 AS interval_minutes
    FROM counts GROUP BY slo
),
measured AS (
    SELECT o.*, coalesce(t.intervals, 0)::BIGINT AS intervals, coalesce(t.good, 0)::BIGINT AS good,
           coalesce(t.total, 0)::BIGINT AS total, t.first_interval_start, t.last_interval_end, t.interval_minutes,
           coalesce(t.covered_seconds, 0) / epoch($period_end::TIMESTAMPTZ - $period_start::TIMESTAMPTZ) AS coverage,
           b.slices, b.good_slices,
           CASE o.budgeting_method
               WHEN 'Occurrences' THEN CASE WHEN t.total > 0 THEN t.good / t.total END
               WHEN 'Timeslices' THEN CASE WHEN b.slices > 0 THEN b.good_slices / b.slices END
               ELSE b.mean_slice_ratio
           END AS compliance
    FROM scoped AS o
    LEFT JOIN totals AS t ON t.slo = o.slo
    LEFT JOIN by_slice AS b ON b.slo = o.slo
)
SELECT slo, service, coalesce(team, '(no team)') AS team, coalesce(tier, '(no tier)') AS tier, journey, target,
       budgeting_method, intervals, interval_minutes, good, total, total - good AS bad, slices, good_slices,
       first_interval_start, last_interval_end, coverage, compliance,
       1 - target AS error_budget,
       (1 - target) * total AS allowed_bad,
       (1 - compliance) / (1 - target) AS budget_consumed,
       1 - (1 - compliance) / (1 - target) AS error_budget_remaining,
       compliance >= target AS met
FROM measured
ORDER BY service, slo
