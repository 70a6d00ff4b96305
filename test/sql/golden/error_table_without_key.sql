CREATE TABLE t (a VARCHAR, b INT) WITH (stream = 'orders')
