n = 0
while n < 10:
    n += 1
else:
    print("done")
while True:
    pass
