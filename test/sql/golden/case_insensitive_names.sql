select USER_ID, Url from CLICKS where AMOUNT > 0
