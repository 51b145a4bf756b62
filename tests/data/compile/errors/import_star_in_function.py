from x import *
def f():
    from y import *
