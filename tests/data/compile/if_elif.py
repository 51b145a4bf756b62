if x > 0:
    y = 1
elif x < 0:
    y = -1
else:
    y = 0
if DEBUG:
    print("dbg")
if 0:
    print("never")
if a and b or not c:
    pass
