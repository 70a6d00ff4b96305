SELECT from FROM clicks
