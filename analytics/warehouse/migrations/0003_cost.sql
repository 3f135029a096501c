-- 0003 cost: exchange rates that let one billing period hold more than one billing currency.
-- Cost loaders refuse a billing period delivered in several currencies unless this table links
-- them for that month (a rate from each currency to one of the others, in either direction).

CREATE TABLE fx_rates (
    month DATE NOT NULL,
    from_currency VARCHAR NOT NULL CHECK (regexp_full_match(from_currency, '[A-Z]{3}')),
    to_currency VARCHAR NOT NULL CHECK (regexp_full_match(to_currency, '[A-Z]{3}')),
    rate DECIMAL(38, 18) NOT NULL CHECK (rate > 0),
    source VARCHAR,
    PRIMARY KEY (month, from_currency, to_currency)
);
COMMENT ON TABLE fx_rates IS 'Monthly exchange rates: 1 unit of from_currency = rate units of to_currency. Lets cost loads hold a billing period in several currencies and lets analyses convert them to one.';
COMMENT ON COLUMN fx_rates.month IS 'First day of the month the rate applies to.';
COMMENT ON COLUMN fx_rates.from_currency IS 'ISO 4217 currency converted from.';
COMMENT ON COLUMN fx_rates.to_currency IS 'ISO 4217 currency converted to.';
COMMENT ON COLUMN fx_rates.rate IS 'Units of to_currency per unit of from_currency (positive).';
COMMENT ON COLUMN fx_rates.source IS 'Where the rate comes from (e.g. ECB reference rate, invoice rate).';
