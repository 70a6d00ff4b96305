SELECT * FROM clicks JOIN orders ON 1 = 1
