SELECT sku, name, price_cents FROM products WHERE 1 = 0;
