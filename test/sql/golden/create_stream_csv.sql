CREATE STREAM IF NOT EXISTS lines (a VARCHAR, b INT PATH '$[3]', at TIMESTAMP, WATERMARK FOR at AS at)
WITH ('format' = 'csv', csv.delimiter = '|')
