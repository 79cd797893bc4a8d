SELECT id, name FROM categories WHERE 1 = 0;
SELECT sku, category_id FROM product_categories WHERE 1 = 0;
