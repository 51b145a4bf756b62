total = 0
for x in [1, 2, 3]:
    total += x
for a, b in pairs:
    print(a, b)
else:
    print("end")
