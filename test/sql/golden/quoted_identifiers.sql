SELECT "user_id" AS "User Id", c.url AS "select" FROM clicks AS c
