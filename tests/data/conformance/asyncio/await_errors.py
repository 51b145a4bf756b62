# .exp recorded from /work/oracle/mp32 (unix, 32-bit, single float).
# async def with yield is a plain generator (no async generators); await needs __iter__.
async def agen():
    yield 1
async def main():
    async for x in agen():
        print(x)
try:
    main().send(None)
except AttributeError as e:
    print('AttributeError', e)
async def f():
    await g()
def g():
    return 5
try:
    f().send(None)
except TypeError as e:
    print('TypeError', e)
class A:
    def __await__(self):
        return 3
async def h():
    return await A()
try:
    h().send(None)
except TypeError as e:
    print('TypeError', e)
c = f()
print(c.close(), c.close())
