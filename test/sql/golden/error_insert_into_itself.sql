INSERT INTO clicks SELECT * FROM clicks
