class A:
    def m(self):
