-- Contract commitment progress (FOCUS 1.3): one row per contract_commitments row whose commitment
-- period overlaps [$start, $end) (UTC, half-open), optionally of one provider. committed = the
-- ContractCommitmentCost (Spend) or ContractCommitmentQuantity (Usage); applied = Σ
-- ContractCommitmentAppliedCost / ContractCommitmentAppliedQuantity of the cost.ContractApplied
-- elements naming the commitment (ContractCommitmentId, or the spec example's ContractCommitmentID),
-- over Usage charges whose ChargePeriodStart lies in [commitment start, least(commitment end, $end));
-- elapsed = the share of the commitment period gone by at least(commitment end, $end);
-- fulfilled = applied / committed (NULL when nothing is committed). A commitment is on track when
-- fulfilled >= elapsed.
WITH commitments AS (
    SELECT *
    FROM contract_commitments
    WHERE ContractCommitmentPeriodStart < $end AND ContractCommitmentPeriodEnd > $start
      AND ($provider IS NULL OR ServiceProviderName = $provider)
),
applied AS (
    SELECT coalesce(e.value ->> 'ContractCommitmentId', e.value ->> 'ContractCommitmentID') AS commitment_id,
           c.ChargePeriodStart AS charged_at,
           TRY_CAST(e.value ->> 'ContractCommitmentAppliedCost' AS DECIMAL(38, 10)) AS applied_cost,
           TRY_CAST(e.value ->> 'ContractCommitmentAppliedQuantity' AS DOUBLE) AS applied_quantity
    FROM cost AS c, json_each(c.ContractApplied, '$.Elements') AS e
    WHERE c.ContractApplied IS NOT NULL AND c.ChargeCategory = 'Usage' AND c.ChargePeriodStart < $end
),
sums AS (
    SELECT m.ContractCommitmentId AS commitment_id,
           coalesce(sum(a.applied_cost), 0) AS applied_cost,
           coalesce(sum(a.applied_quantity), 0) AS applied_quantity,
           count(a.commitment_id) AS charges
    FROM commitments AS m
    LEFT JOIN applied AS a
        ON a.commitment_id = m.ContractCommitmentId
       AND a.charged_at >= m.ContractCommitmentPeriodStart
       AND a.charged_at < least(m.ContractCommitmentPeriodEnd, $end)
    GROUP BY m.ContractCommitmentId
),
progress AS (
    SELECT m.ContractCommitmentId AS commitment_id,
           m.ContractId AS contract_id,
           m.ContractCommitmentCategory AS commitment_category,
           m.ContractCommitmentType AS commitment_type,
           m.ContractCommitmentDescription AS description,
           m.ServiceProviderName AS provider,
           m.ContractCommitmentPeriodStart AS period_start,
           m.ContractCommitmentPeriodEnd AS period_end,
           m.BillingCurrency AS currency,
           m.ContractCommitmentUnit AS unit,
           CASE WHEN m.ContractCommitmentCategory = 'Spend' THEN m.ContractCommitmentCost::DOUBLE
                ELSE m.ContractCommitmentQuantity END AS committed,
           CASE WHEN m.ContractCommitmentCategory = 'Spend' THEN s.applied_cost::DOUBLE
                ELSE s.applied_quantity END AS applied,
           s.charges,
           epoch(least(m.ContractCommitmentPeriodEnd, $end) - m.ContractCommitmentPeriodStart)
               / epoch(m.ContractCommitmentPeriodEnd - m.ContractCommitmentPeriodStart) AS elapsed
    FROM commitments AS m JOIN sums AS s ON s.commitment_id = m.ContractCommitmentId
)
SELECT *, applied / nullif(committed, 0) AS fulfilled
FROM progress
ORDER BY provider NULLS LAST, commitment_id
