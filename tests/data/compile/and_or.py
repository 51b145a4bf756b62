r = a and b
s = a or b or c
t = not a
u = a < b < c
v = a is not None
w = k not in d
z = True or x
q = x if c else y
