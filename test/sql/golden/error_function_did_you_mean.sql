SELECT DATE_FROMAT(ts, 'yyyy-MM-dd') FROM clicks
