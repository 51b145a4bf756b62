# 31-bit small ints on the esp32; outside that range ints are big-int constants.
a = 1073741823
b = 1073741824
c = -1073741823
d = -1073741824
e = (1 << 29) + (1 << 29)
f = 0x7fffffff
g = -(2**30) + 0
