def f(x):
    return [
        x
        for x in range(3)
        if x
    ]
def g(a,
      b=(1 +
         2),
      c=[3]):
    pass
result = some_function(
    arg1,
    key=value,
)
x = (
    1.5
)
y = {
    1,
    2.0,
}
class K(
    Base
):
    a = 1
a = 1; b = 2
c = (a
     + b
     + 3.5)
d = f(1,
      g(2),
      h(3))
e = {
  'k': [1, 2,
        3],
}
if (a and
        b):
    pass
