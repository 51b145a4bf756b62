x = 1
class A:
    x = 2
    def m(self):
        return x
def outer():
    v = 1
    class B:
        w = v
        def get(self):
            return v
    return B
def f(a, *args, b, c=3, **kw):
    return a, args, b, c, kw
