-- The budget of scope $scope ('total', 'provider:AWS', 'team:payments', …) for every calendar month
-- of [$start, $end). Monthly budget rows are used as they are; a longer budget (a quarter, a year)
-- overlapping a month is pro-rated by days, and only the finest-grained budget rows overlapping a
-- month count, so a quarterly and a monthly budget for the same scope are never added together.
-- NULL budget where the scope has none. Mixed currencies or cost bases are reported, not hidden.
WITH months AS (
    SELECT m::DATE AS month_start, (m + INTERVAL 1 MONTH)::DATE AS month_end
    FROM unnest(generate_series($start::DATE, $end::DATE - 1, INTERVAL 1 MONTH)) t(m)
),
overlapping AS (
    SELECT m.month_start,
           b.amount,
           b.currency,
           b.cost_basis,
           b.period_end - b.period_start AS budget_days,
           least(m.month_end, b.period_end) - greatest(m.month_start, b.period_start) AS overlap_days
    FROM months m
    JOIN budgets b ON b.scope = $scope AND b.period_start < m.month_end AND b.period_end > m.month_start
),
finest AS (
    SELECT *, min(budget_days) OVER (PARTITION BY month_start) AS finest_days
    FROM overlapping
),
chosen AS (
    SELECT month_start,
           CASE WHEN overlap_days = budget_days THEN amount
                ELSE (amount * overlap_days / budget_days)::DECIMAL(38, 10) END AS amount,
           overlap_days < budget_days AS prorated,
           currency,
           cost_basis
    FROM finest
    WHERE budget_days = finest_days
)
SELECT m.month_start,
       m.month_end,
       sum(c.amount)::DECIMAL(38, 10) AS budget,
       min(c.currency) AS currency,
       count(DISTINCT c.currency) AS currencies,
       min(c.cost_basis) AS cost_basis,
       count(DISTINCT c.cost_basis) AS cost_bases,
       coalesce(bool_or(c.prorated), false) AS prorated,
       count(c.month_start) AS budget_rows
FROM months m
LEFT JOIN chosen c ON c.month_start = m.month_start
GROUP BY m.month_start, m.month_end
ORDER BY m.month_start
