with open("f") as fh, lock:
    fh.read()
