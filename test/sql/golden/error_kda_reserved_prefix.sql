CREATE STREAM "__kda_app.OUT" (a INT)
