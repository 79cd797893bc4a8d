SELECT description FROM products WHERE 1 = 0;
