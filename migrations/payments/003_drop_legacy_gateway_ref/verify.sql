SELECT id, order_id, amount_cents, currency, created_at FROM payments WHERE 1 = 0;
