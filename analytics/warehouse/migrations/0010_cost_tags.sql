-- 0010 cost tags: the tags of the cost rows parsed once, at load, instead of in every statement.
--
-- Measured (issue 10): parsing Tags in a statement, TRY_CAST(Tags AS MAP(VARCHAR, VARCHAR))[key],
-- costs ~0.9 s per million rows per statement, and a quarterly report runs dozens of statements
-- over the cost rows: 251 s of a 10M-row report went there. A warehouse holds few distinct tag sets
-- (the demo 12, a large CUR tens of thousands — one per tagged resource at most), so the parse is
-- done once per distinct Tags text and looked up by a hash join on that text.
--
--   cost_tags(Tags, tag_key, tag_value)
--       One row per distinct non-NULL Tags value of cost and key in it: the value that
--       TRY_CAST(Tags AS MAP(VARCHAR, VARCHAR))[tag_key] gives (a Tags text that does not parse as
--       a flat object has no rows). Maintained by analytics.warehouse.ledger.refresh_cost_tags in
--       every load transaction that writes cost rows; a tag set whose rows were all superseded may
--       stay (a dictionary entry no cost row joins is never counted).
--   cost_tags_missing(p_file_id)
--       Table macro: the cost_tags rows of the tag sets of cost (of the rows of load p_file_id; NULL
--       = all rows) that cost_tags does not hold yet. The one definition of parsing Tags, used by
--       this migration's backfill and by every load.
--
-- Statements read a tag by joining it: LEFT JOIN cost_tags AS t ON t.Tags = <row>.Tags AND
-- t.tag_key = $key (t.tag_value is the value, NULL when the row lacks the key). A hash join on the
-- tag-set text costs about what reading the column does, on every SQL engine; a scalar subquery
-- per row inside the CASE of a dimension macro was measured 40x slower in DuckDB, so there is none.
--
-- The cost scope and dimension macros of migration 0006 are re-created without the per-row parse:
--   cost_in_scope_any_date / cost_in_scope: same arguments and rows; the tag filter joins cost_tags.
--   cost_dimension_value(p_dimension, p_tag_value, p_row): the second argument is now the row's
--       value of the dimension's tag key, joined by the caller (NULL for a column dimension),
--       instead of the key itself; results unchanged.

CREATE TABLE cost_tags (
    Tags JSON NOT NULL,
    tag_key VARCHAR NOT NULL,
    tag_value VARCHAR,
    PRIMARY KEY (Tags, tag_key)
);

CREATE MACRO cost_tags_missing(p_file_id) AS TABLE
    SELECT Tags, entry.key AS tag_key, entry.value AS tag_value
    FROM (SELECT Tags, unnest(map_entries(TRY_CAST(Tags AS MAP(VARCHAR, VARCHAR)))) AS entry
          FROM (SELECT DISTINCT Tags FROM cost
                WHERE Tags IS NOT NULL AND (p_file_id IS NULL OR source_file_id = p_file_id)
                  AND Tags NOT IN (SELECT Tags FROM cost_tags)));

INSERT INTO cost_tags SELECT Tags, tag_key, tag_value FROM cost_tags_missing(NULL);

COMMENT ON TABLE cost_tags IS 'The tags of cost parsed once per distinct Tags value: one row per tag set (the exact Tags text) and key, with the value TRY_CAST(Tags AS MAP(VARCHAR, VARCHAR))[tag_key] gives. Written by every cost load (refresh_cost_tags); statements join it on (Tags, tag_key).';
COMMENT ON COLUMN cost_tags.Tags IS 'A Tags value of cost, text identical (the join key).';
COMMENT ON COLUMN cost_tags.tag_key IS 'A key of that tag set, as loaded (keys are trimmed on load).';
COMMENT ON COLUMN cost_tags.tag_value IS 'Its value as text (NULL for a JSON null).';

CREATE OR REPLACE MACRO cost_in_scope_any_date(p_provider, p_service, p_account, p_region, p_tag_key, p_tag_value) AS TABLE
    SELECT cost.*
    FROM cost
    LEFT JOIN cost_tags AS scope_tag ON scope_tag.Tags = cost.Tags AND scope_tag.tag_key = p_tag_key
    WHERE (p_provider IS NULL OR ProviderName = p_provider)
      AND (p_service IS NULL OR ServiceName = p_service)
      AND (p_account IS NULL OR SubAccountId = p_account)
      AND (p_region IS NULL OR RegionId = p_region)
      AND (p_tag_key IS NULL OR CASE
               WHEN p_tag_value IS NULL THEN nullif(trim(scope_tag.tag_value), '') IS NULL
               ELSE scope_tag.tag_value = p_tag_value
           END);

CREATE OR REPLACE MACRO cost_in_scope(p_start, p_end, p_provider, p_service, p_account, p_region, p_tag_key, p_tag_value) AS TABLE
    SELECT *
    FROM cost_in_scope_any_date(p_provider, p_service, p_account, p_region, p_tag_key, p_tag_value)
    WHERE ChargePeriodStart >= p_start AND ChargePeriodStart < p_end;

CREATE OR REPLACE MACRO cost_dimension_value(p_dimension, p_tag_value, p_row) AS
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
        WHEN 'tag' THEN p_tag_value
    END), ''), CASE WHEN p_dimension = 'tag' THEN '(untagged)' ELSE '(not set)' END);

COMMENT ON MACRO TABLE cost_tags_missing IS 'Parsed entries (Tags, tag_key, tag_value) of the tag sets of cost (rows of load p_file_id, NULL = all) missing from cost_tags: the one definition of parsing Tags, used at load.';
COMMENT ON MACRO TABLE cost_in_scope_any_date IS 'Cost rows (every column) passing the scope filters of CostScope, any charge date: (p_provider, p_service, p_account, p_region, p_tag_key, p_tag_value); NULL = any; p_tag_key with p_tag_value NULL = rows without the tag (missing or blank). Callers bound the dates themselves.';
COMMENT ON MACRO TABLE cost_in_scope IS 'Cost rows (every column) in scope and charged in [p_start, p_end) by ChargePeriodStart: cost_in_scope_any_date(p_provider, p_service, p_account, p_region, p_tag_key, p_tag_value) with the window.';
COMMENT ON MACRO cost_dimension_value IS 'Dimension value of a whole cost row (p_row = its table alias): p_dimension names an allow-listed column, ''total'', or ''tag'' (then p_tag_value, the row''s value of the tag key, joined from cost_tags by the caller); blank becomes ''(untagged)'' for a tag, ''(not set)'' otherwise.';
