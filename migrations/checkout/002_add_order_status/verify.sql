SELECT status FROM orders WHERE 1 = 0;
