f(*args)
f(1, *args, k=2, **kw)
o.m(a, *b)
g(x=1, y=2)
a, *rest = items
first, (second, third) = stuff
