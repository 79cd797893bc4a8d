-- The column comes back empty: the values it held are gone.
ALTER TABLE payments ADD COLUMN legacy_gateway_ref TEXT;
