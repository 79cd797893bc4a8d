-- phase: expand
CREATE TABLE order_lines (
    order_id INTEGER NOT NULL REFERENCES orders (id),
    line INTEGER NOT NULL,
    sku TEXT NOT NULL,
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    price_cents INTEGER NOT NULL,
    PRIMARY KEY (order_id, line)
);
CREATE INDEX ix_order_lines_sku ON order_lines (sku);
