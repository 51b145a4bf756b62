for i in range(10):
    print(i)
for j in range(1, n):
    pass
for k in range(10, 0, -2):
    print(k)
else:
    print("else")
for m in range(n, 2 * n, step):
    pass
