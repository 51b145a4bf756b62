def f(a, b=1, *args, c, d=4, **kw):
    assert a, "msg"
    del kw["x"], a
    x = y = 0
    a, b = b, a
    raise ValueError("bad") from None

@decorator
@mod.deco(1)
def g():
    return x if y else z
