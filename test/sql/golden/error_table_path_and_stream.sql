CREATE TABLE t (a VARCHAR PRIMARY KEY) WITH (path = 't.csv', stream = 's')
