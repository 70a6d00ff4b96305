CREATE TABLE t (a INT) WITH (format = 'json')
