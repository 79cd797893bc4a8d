SELECT order_id, line, sku, quantity, price_cents FROM order_lines WHERE 1 = 0;
