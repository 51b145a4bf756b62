a = [x * 2 for x in xs if x]
b = {k: v for k, v in items}
c = {y for y in ys}
d = [i + j for i in range(3) for j in range(i)]
