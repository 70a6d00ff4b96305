SELECT HEX(amount) FROM clicks
