INSERT INTO click_counts SELECT customer, placed_at, qty, qty FROM orders
