SELECT id, customer_id, total_cents, created_at FROM orders WHERE 1 = 0;
