"""Keras-style initializer objects, for kernel_initializer= and friends.

A plain name works too ('he_normal', 'GlorotUniform'); these carry arguments.
Draws come from the model's seed (Sequential(seed=...)), so they take none.
"""


class Initializer:
    def __init__(self, name, a=None, b=None):
        self.name, self.a, self.b = name, a, b

    def __repr__(self):
        return f'Initializer({self.name!r}, a={self.a}, b={self.b})'


def Zeros():
    return Initializer('zeros')


def Ones():
    return Initializer('ones')


def Constant(value=0.0):
    return Initializer('constant', value)


def RandomUniform(minval=-0.05, maxval=0.05):
    return Initializer('random_uniform', minval, maxval)


def RandomNormal(mean=0.0, stddev=0.05):
    return Initializer('random_normal', mean, stddev)


def TruncatedNormal(mean=0.0, stddev=0.05):
    return Initializer('truncated_normal', mean, stddev)


def Orthogonal(gain=1.0):
    return Initializer('orthogonal', gain)
