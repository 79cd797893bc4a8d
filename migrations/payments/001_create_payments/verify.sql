SELECT id, order_id, amount_cents, currency, legacy_gateway_ref, created_at FROM payments WHERE 1 = 0;
