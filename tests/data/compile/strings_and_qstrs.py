# Strings up to 10 bytes are interned (LOAD_CONST_STRING); longer ones are objects unless
# the same text is already a qstr (a built-in name, or an identifier seen earlier).
short = "0123456789"
longer = "01234567890"
builtin = "AttributeError"
some_identifier_name = 1
seen = "some_identifier_name"
unseen = "another_long_identifier"
another_long_identifier = 2
utf8 = "héllo wor"
raw = r"\d+\s*"
data = b"\x00\x01"
