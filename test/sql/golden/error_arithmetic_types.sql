SELECT url + 1 FROM clicks
