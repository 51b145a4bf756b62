class Base:
    def __init__(self, x):
        self.x = x

class Child(Base):
    """Doc."""
    LIMIT = 10

    def __init__(self, x, y=2):
        super().__init__(x)
        self.y = y

    def get(self):
        return super().get
