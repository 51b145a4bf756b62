def f():
    class C:
        yield 2
