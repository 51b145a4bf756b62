lambda: (yield)
x = [(yield) for y in z]
