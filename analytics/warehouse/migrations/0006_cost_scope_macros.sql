-- 0006 cost scope macros: the one definition of "the cost rows in scope" and of "a row's dimension
-- value", used by the statements in analytics/sql/cost_*.sql instead of a copy each.
--
--   cost_in_scope_any_date(p_provider, p_service, p_account, p_region, p_tag_key, p_tag_value)
--       Table macro: every column of the cost rows that pass the scope filters (CostScope in
--       analytics/metrics/_cost_scope.py), with no date bound, for the statements that bound
--       another date column (BillingPeriodStart) or several windows themselves. A NULL filter
--       means "any"; p_tag_key with p_tag_value NULL selects the rows that do NOT carry the tag
--       (missing or blank after trimming); otherwise the tag must equal p_tag_value exactly.
--   cost_in_scope(p_start, p_end, p_provider, p_service, p_account, p_region, p_tag_key, p_tag_value)
--       Table macro: the same rows charged in [p_start, p_end), by ChargePeriodStart (accrual).
--   cost_dimension_value(p_dimension, p_tag_key, p_row)
--       Scalar macro: the value of one dimension for a whole cost row passed as its table alias
--       (FROM cost_in_scope(…) AS cost_row … cost_dimension_value($dimension, $dimension_tag_key,
--       cost_row)). p_dimension is a bound value naming an allow-listed column ('ProviderName', …),
--       'total', or 'tag' (then the value of the tag key p_tag_key: a bound value looked up
--       literally, never a JSON path). Blank values become '(untagged)' for a tag and '(not set)'
--       for a column, as does an unknown dimension name.
--
-- Macros bind at each call, so SELECT * follows the x_… columns loads add to cost later (ALTER
-- TABLE … ADD COLUMN), and the arguments may be prepared parameters ($start, $provider…) like any
-- expression. Macros are stored in the warehouse file, so read-only connections can call them.
-- Each macro also carries this documentation as a COMMENT (duckdb_functions().comment).

CREATE MACRO cost_in_scope_any_date(p_provider, p_service, p_account, p_region, p_tag_key, p_tag_value) AS TABLE
    SELECT *
    FROM cost
    WHERE (p_provider IS NULL OR ProviderName = p_provider)
      AND (p_service IS NULL OR ServiceName = p_service)
      AND (p_account IS NULL OR SubAccountId = p_account)
      AND (p_region IS NULL OR RegionId = p_region)
      AND (p_tag_key IS NULL OR CASE
               WHEN p_tag_value IS NULL
                   THEN nullif(trim(TRY_CAST(Tags AS MAP(VARCHAR, VARCHAR))[p_tag_key]), '') IS NULL
               ELSE TRY_CAST(Tags AS MAP(VARCHAR, VARCHAR))[p_tag_key] = p_tag_value
           END);

CREATE MACRO cost_in_scope(p_start, p_end, p_provider, p_service, p_account, p_region, p_tag_key, p_tag_value) AS TABLE
    SELECT *
    FROM cost_in_scope_any_date(p_provider, p_service, p_account, p_region, p_tag_key, p_tag_value)
    WHERE ChargePeriodStart >= p_start AND ChargePeriodStart < p_end;

CREATE MACRO cost_dimension_value(p_dimension, p_tag_key, p_row) AS
    coalesce(nullif(trim(CASE p_dimension
        WHEN 'total' THEN 'total'
        WHEN 'ProviderName' THEN p_row.ProviderName
        WHEN 'ServiceName' THEN p_row.ServiceName
        WHEN 'ServiceCategory' THEN p_row.ServiceCategory
        WHEN 'SubAccountId' THEN p_row.SubAccountId
        WHEN 'SubAccountName' THEN p_row.SubAccountName
        WHEN 'BillingAccountId' THEN p_row.BillingAccountId
        WHEN 'RegionId' THEN p_row.RegionId
        WHEN 'ChargeCategory' THEN p_row.ChargeCategory
        WHEN 'PricingCategory' THEN p_row.PricingCategory
        WHEN 'ResourceId' THEN p_row.ResourceId
        WHEN 'CommitmentDiscountId' THEN p_row.CommitmentDiscountId
        WHEN 'x_UsageType' THEN p_row.x_UsageType
        WHEN 'tag' THEN TRY_CAST(p_row.Tags AS MAP(VARCHAR, VARCHAR))[p_tag_key]
    END), ''), CASE WHEN p_dimension = 'tag' THEN '(untagged)' ELSE '(not set)' END);

COMMENT ON MACRO TABLE cost_in_scope_any_date IS 'Cost rows (every column) passing the scope filters of CostScope, any charge date: (p_provider, p_service, p_account, p_region, p_tag_key, p_tag_value); NULL = any; p_tag_key with p_tag_value NULL = rows without the tag (missing or blank). Callers bound the dates themselves.';
COMMENT ON MACRO TABLE cost_in_scope IS 'Cost rows (every column) in scope and charged in [p_start, p_end) by ChargePeriodStart: cost_in_scope_any_date(p_provider, p_service, p_account, p_region, p_tag_key, p_tag_value) with the window.';
COMMENT ON MACRO cost_dimension_value IS 'Dimension value of a whole cost row (p_row = its table alias): p_dimension names an allow-listed column, ''total'', or ''tag'' (value of tag key p_tag_key); blank becomes ''(untagged)'' for a tag, ''(not set)'' otherwise.';
