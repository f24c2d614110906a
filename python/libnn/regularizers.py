"""Keras-style weight regularizers: kernel_regularizer=l2(1e-4)."""


class Regularizer:
    def __init__(self, l1=0.0, l2=0.0):
        self.l1, self.l2 = float(l1), float(l2)

    def __repr__(self):
        return f'Regularizer(l1={self.l1}, l2={self.l2})'


def l1(l1=0.01):
    return Regularizer(l1=l1)


def l2(l2=0.01):
    return Regularizer(l2=l2)


def l1_l2(l1=0.0, l2=0.0):
    return Regularizer(l1, l2)


L1, L2, L1L2 = l1, l2, l1_l2
