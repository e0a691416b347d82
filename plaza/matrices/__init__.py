"""Government matrices (政务矩阵) and matrix campaigns (矩阵联动).

:mod:`.matrices` builds and manages matrices (by region, department line, account tree or by
hand), lists their members and activity, and follows a whole matrix; :mod:`.campaigns` binds a
topic to a matrix for a period and reports who joined and what it brought; :mod:`.demo` makes the
seed story's matrices for the demo loader.
"""

from plaza.matrices.demo import demo_matrices

__all__ = ["demo_matrices"]
