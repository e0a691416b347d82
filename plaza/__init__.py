"""Plaza: the public square where government and citizens meet."""

__version__ = "0.1.0"
