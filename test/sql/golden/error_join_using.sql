SELECT * FROM clicks JOIN purchases USING (user_id)
