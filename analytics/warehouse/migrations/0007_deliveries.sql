-- 0007 deliveries: a delivery is a set of files (the parts of a sharded export) that together
-- replace the billing periods they carry. Parts of one delivery never replace each other; a part
-- loaded in a later command joins the current delivery of its folder (docs/cost-loaders.md).
-- Exact duplicate line items of a cost file are counted (loaded as delivered, or refused on request).

ALTER TABLE ingest_ledger ADD COLUMN delivery_id BIGINT;
ALTER TABLE ingest_ledger ADD COLUMN delivery_folder VARCHAR;
ALTER TABLE ingest_ledger ADD COLUMN duplicate_rows BIGINT;
UPDATE ingest_ledger SET delivery_id = file_id;

COMMENT ON COLUMN ingest_ledger.delivery_id IS 'file_id of the load that started the delivery this load belongs to (itself, unless it is a later part of a sharded delivery from the same folder). Loads of one delivery never supersede each other.';
COMMENT ON COLUMN ingest_ledger.delivery_folder IS 'Absolute folder of the delivered file(s); a later part from the same folder joins the current delivery (NULL for URIs and non-file loads).';
COMMENT ON COLUMN ingest_ledger.duplicate_rows IS 'Cost rows that repeat an earlier row of the same file exactly (every column identical); loaded as delivered and counted here (NULL for non-cost loads and loads before migration 0007).';
