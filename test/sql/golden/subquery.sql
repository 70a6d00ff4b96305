SELECT u, total FROM (SELECT user_id AS u, amount * 2 AS total FROM clicks WHERE amount > 0) AS t WHERE total < 100
