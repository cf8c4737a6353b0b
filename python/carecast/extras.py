"""Optional capabilities and the extras that install them.

``pip install carecast`` gives everything the command line and the documented API use. Heavier
capabilities are named extras; using one that is not installed raises :class:`MissingExtraError`
with a one-line message naming the extra to install:

========================  ==============================  ================================
extra                     installs                        for
========================  ==============================  ================================
``carecast[notebooks]``   ipywidgets, ipykernel, jupyter  the notebooks' interactive widgets
``carecast[parquet]``     pyarrow                         ``carecast run --out DIR --parquet``
``carecast[calibrate]``   SALib, scikit-learn, pyabc      Sobol indices, EVPPI, calibration
``carecast[dask]``        dask, distributed               ``carecast.sweep`` on a Dask cluster
``carecast[web]``         panel                           ``carecast serve``: the web page
``carecast[all]``         every extra above
========================  ==============================  ================================

>>> from carecast.extras import require
>>> require("json").__name__  # any module; the known optional ones get a message naming their extra
'json'
"""

from __future__ import annotations

import importlib
from types import ModuleType

from ._errors import CarecastError

__all__ = ["EXTRAS", "MissingExtraError", "require"]

#: Optional modules: the extra that installs each and what carecast uses it for.
EXTRAS: dict[str, tuple[str, str]] = {
    "pyarrow": ("parquet", "Parquet output"),
    "ipywidgets": ("notebooks", "The notebooks' interactive widgets"),
    "SALib": ("calibrate", "Sobol indices"),
    "sklearn": ("calibrate", "EVPI and EVPPI by regression"),
    "pyabc": ("calibrate", "Calibration by approximate Bayesian computation"),
    "distributed": ("dask", "A sweep on a Dask cluster"),
    "dask": ("dask", "A sweep on a Dask cluster"),
    "panel": ("web", "The web page (carecast serve)"),
}


class MissingExtraError(CarecastError, ImportError):
    """An optional capability is used but its extra is not installed; ``extra`` names it (empty
    if the missing module is one of carecast's own dependencies)."""

    def __init__(self, message: str, extra: str) -> None:
        super().__init__(message)
        self.extra = extra


def require(module: str, purpose: str | None = None) -> ModuleType:
    """Import ``module``, or raise :class:`MissingExtraError` naming the extra that installs it.

    >>> w = require("ipywidgets")  # doctest: +SKIP
    """
    try:
        return importlib.import_module(module)
    except ImportError:
        if module not in EXTRAS:  # one of carecast's own dependencies: the install is broken
            raise MissingExtraError(f"{purpose or 'This'} needs {module}, which carecast depends on but is not "
                                    f"installed: pip install {module} (or reinstall carecast)", extra="") from None
        extra, known_purpose = EXTRAS[module]
        raise MissingExtraError(f"{purpose or known_purpose} needs {module}: pip install 'carecast[{extra}]'",
                                extra=extra) from None
