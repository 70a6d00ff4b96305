CREATE STREAM s (a INT, b AS a + 1, c AS b * 2)
