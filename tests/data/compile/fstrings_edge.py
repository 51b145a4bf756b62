d = {"a": 1}
print(f"{d["a"]}", f'{d["a"]}', f"{x[1:2]}", f"{ {1: 2}[1] }")
print(f"{x!r} {y!s:>4} {a != b}")
print("plain {" f"{x}" "}")
print(f"no fields")
