CREATE STREAM t (a INT) WITH (format = 'avro')
