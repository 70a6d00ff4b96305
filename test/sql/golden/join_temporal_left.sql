-- LEFT: purchases without a rate yet keep NULLs; an extra equality stays a condition on the version.
SELECT p.user_id, r.rate FROM purchases p LEFT JOIN rates FOR SYSTEM_TIME AS OF p.ts AS r
  ON r.currency = p.item AND r.updated_at >= p.ts - INTERVAL '1' HOUR
