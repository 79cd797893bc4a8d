ALTER TABLE payments DROP COLUMN legacy_gateway_ref;
