"""Small tables written in the published layouts, shared by the catalogue tests."""

import numpy as np
from astropy.table import MaskedColumn, Table

SUFFIX = {"fits": ".fits", "votable": ".vot", "ecsv": ".ecsv", "csv": ".csv"}
WRITE_FORMAT = {"fits": "fits", "votable": "votable", "ecsv": "ascii.ecsv", "csv": "ascii.csv"}


def xclass_table() -> Table:
    """Five rows in the X-CLASS layout, one without a redshift, classes spelled loosely."""
    table = Table()
    table["XClass"] = [20, 2328, 41, 77, 1500]
    table["RAdeg"] = [0.5, 150.25, 359.75, 10.0, 200.0]
    table["DEdeg"] = [-30.0, 2.5, 45.0, -89.5, 89.0]
    table["z"] = MaskedColumn([0.12, 0.8, 0.0, 1.45, 0.3], mask=[False, False, True, False, False])
    table["Class"] = ["C1", "C2", "c1 ", "C3", "C1"]
    table["Nexp"] = np.array([3, 1, 2, 5, 4], dtype=np.int32)
    return table
