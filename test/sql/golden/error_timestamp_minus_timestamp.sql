SELECT ts - ts FROM clicks
