SELECT id, payment_id, amount_cents, reason FROM refunds WHERE 1 = 0;
