-- C.amount and P.item name the columns an un-aliased subquery passes on from C and P (as Nexmark q6 is
-- published), since no C or P is in scope outside it.
SELECT C.user_id, P.item, ROW_NUMBER() OVER (PARTITION BY C.user_id ORDER BY C.amount DESC) AS rn
FROM (SELECT C.user_id, C.amount, P.item FROM clicks AS C, purchases AS P
      WHERE C.user_id = P.user_id AND P.ts BETWEEN C.ts AND C.ts + INTERVAL '1' MINUTE)
QUALIFY rn <= 1
