-- Anomaly score: a Random Cut Forest (KDA's RANDOM_CUT_FOREST) learns what purchases look like and scores
-- each against it, with no threshold written per feature. The cursor gives the forest two numbers per
-- purchase: how far it is above the card's rolling average of the (up to) 50 transactions before it (the
-- log of amount / average, 0 at or below it), and its share of the card's credit limit, from the lookup
-- join. The amount rides along as text, so the forest reads only those two numbers. One forest of 100
-- trees × 256 samples serves every card; a purchase the trees isolate quickly scores high (typical ones
-- about 1), and an alert flags the purchase alone when it scores above 2.25. Flights and hotels are left
-- out, as in the spend-spike rule: bookings are large by nature. Its precision is lower than that rule's:
-- every purchase far above a card's habit is an anomaly, and most of them are honest.
INSERT INTO demo_fraud_alerts (rule, card_id, first_ts, last_ts, min_amount, txns, amount, detail)
SELECT 'anomaly_score', card_id, ts, ts, CAST(amount_text AS DOUBLE), 1, CAST(amount_text AS DOUBLE),
       'a purchase of ' || amount_text || ' scored ' || CAST(ROUND(ANOMALY_SCORE, 2) AS VARCHAR)
         || ', ' || CAST(ROUND(EXP(spike), 1) AS VARCHAR) || ' times the rolling average, '
         || CAST(ROUND(100 * share) AS VARCHAR) || '% of the limit'
FROM TABLE(RANDOM_CUT_FOREST(CURSOR(
  SELECT STREAM t.card_id, t.ts, CAST(t.amount AS VARCHAR) AS amount_text,
         CASE WHEN t.amount > t.usual THEN LN(t.amount / t.usual) ELSE 0.0 END AS spike,
         t.amount / c.credit_limit AS share
  FROM (
    SELECT card_id, ts, amount, category, AVG(amount) OVER w AS usual, COUNT(*) OVER w AS history
    FROM demo_fraud_transactions
    WINDOW w AS (PARTITION BY card_id ORDER BY ts ROWS BETWEEN 50 PRECEDING AND 1 PRECEDING)
  ) t
  JOIN demo_fraud_cards c ON t.card_id = c.card_id
  WHERE t.history >= 4 AND t.category NOT IN ('travel', 'hotel')
), 100, 256, 100000, 1))
WHERE ANOMALY_SCORE > 2.25
