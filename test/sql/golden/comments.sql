-- a line comment
SELECT /* inline */ user_id -- trailing
FROM clicks /* multi
line */
