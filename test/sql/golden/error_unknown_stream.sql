SELECT * FROM clickz
