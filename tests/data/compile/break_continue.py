for x in xs:
    try:
        if x:
            break
        continue
    finally:
        cleanup()
while True:
    with m:
        break
for y in ys:
    if y:
        break
