-- Only a window function's alias is read as QUALIFY: WHERE cannot name other select-list aliases.
SELECT user_id, amount * 2 AS doubled FROM clicks WHERE doubled > 5
