-- A regular join: each click with every purchase of its user, ever; the rows are kept until the state bound.
SELECT c.url, p.item FROM clicks c JOIN purchases p ON c.user_id = p.user_id
