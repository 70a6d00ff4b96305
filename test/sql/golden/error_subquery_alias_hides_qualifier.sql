-- An alias names the subquery: the names inside it are no longer in scope.
SELECT C.user_id FROM (SELECT C.user_id FROM clicks AS C) AS S
