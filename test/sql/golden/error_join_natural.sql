SELECT * FROM clicks NATURAL JOIN purchases
