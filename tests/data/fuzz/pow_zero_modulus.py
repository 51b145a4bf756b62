# issue 14: pow with a zero modulus panicked inside num-bigint
print(pow(1, 2, 0))
