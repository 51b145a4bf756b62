name = "world"
s = f"hello {name}!"
t = f"{x!r:>10} {y:{w}} {{literal}}"
u = f"{a=}"
