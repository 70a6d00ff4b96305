CREATE TABLE t (a VARCHAR, b INT) WITH (path = 't.csv', format = 'csv')
