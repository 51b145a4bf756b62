class C:
    def m():
        return super().m()
