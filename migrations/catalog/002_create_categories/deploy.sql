CREATE TABLE categories (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);
CREATE TABLE product_categories (
    sku TEXT NOT NULL REFERENCES products (sku),
    category_id INTEGER NOT NULL REFERENCES categories (id),
    PRIMARY KEY (sku, category_id)
);
