#!/usr/bin/python3
"""Writes the numpy-made npz seeds of the fuzz corpus: /usr/bin/python3 make_numpy_seeds.py corpus/npz
(Debian's python3-numpy).
They cover what loom's own writer never produces: integer, bool and big-endian dtypes, Fortran
order, npy format 2.0, and numpy's deflated archives."""
import io
import sys
import zipfile

import numpy as np
from numpy.lib import format as npformat

out = sys.argv[1]
a = np.arange(6, dtype=np.float32).reshape(2, 3)
np.savez(f"{out}/numpy_mixed_dtypes.npz", f8=np.linspace(-1, 1, 5), i2=np.array([[-3, 4]], dtype=np.int16),
         u1=np.array([0, 255], dtype=np.uint8), b=np.array([True, False]), scalar=np.float64(2.0))
np.savez_compressed(f"{out}/numpy_deflate.npz", kernel=a, bias=np.zeros(3, dtype=np.float32))
np.savez(f"{out}/numpy_fortran_bigendian.npz", f=np.asfortranarray(a), be=a.astype(">f8"), i8=np.arange(4, dtype=">i8"))

# npy format 2.0 (a 4-byte header length) inside a stored zip entry.
buf = io.BytesIO()
npformat.write_array(buf, np.arange(4, dtype=np.float64).reshape(2, 2), version=(2, 0))
with zipfile.ZipFile(f"{out}/numpy_npy_v2.npz", "w", zipfile.ZIP_STORED) as z:
    z.writestr("w.npy", buf.getvalue())
