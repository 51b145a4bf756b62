from micropython import const
LED = const(2)
_PRIVATE = const(1000)
SCALE = const(LED * 4)
print(LED + _PRIVATE)
if SCALE > 3:
    pass
