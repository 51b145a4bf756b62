def gen(n):
    i = 0
    while i < n:
        yield i
        i += 1
    yield from other()

g = (x * x for x in data)
total = sum(x for x in data)
