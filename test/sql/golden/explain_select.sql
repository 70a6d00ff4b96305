EXPLAIN SELECT user_id, amount FROM clicks WHERE amount > 10
