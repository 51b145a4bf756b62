# issue 14: return in a finally after an exception raised while matching except panicked
def f():
    try:
        raise ValueError
    except TypeError:
        pass
    finally:
        return 1
print(f())
def g():
    try:
        raise ValueError
    except ValueError:
        raise KeyError
    finally:
        return 2
print(g())
def h():
    try:
        return 'try'
    finally:
        return 'finally'
print(h())
def k():
    for i in range(3):
        try:
            break
        finally:
            return i
print(k())
def m():
    try:
        try:
            raise OSError
        finally:
            return 'inner'
    finally:
        print('outer runs')
print(m())
def n():
    for i in range(3):
        try:
            raise ValueError(i)
        finally:
            if i < 2:
                continue
            return 'last', i
print(n())
