-- GROUP BY STAGGER(time, range), what WINDOWED BY STAGGER is rewritten into, may be written as it is; STAGGER_START and STAGGER_END give the window's bounds.
SELECT customer, STAGGER_START(ROWTIME, INTERVAL '1' MINUTE) AS opened, STAGGER_END(ROWTIME, INTERVAL '1' MINUTE) AS closed, COUNT(*) AS n FROM orders GROUP BY customer, STAGGER(ROWTIME, INTERVAL '1' MINUTE)
