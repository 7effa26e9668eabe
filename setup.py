"""Only the optional compiled build lives here; everything else is in pyproject.toml.

``WIRESTREAM_COMPILE=1 pip install .`` compiles the modules listed in streams/compiled.py with mypyc
(a C compiler and Python's headers are needed); without it the package is pure Python.
"""

import os
import runpy
from pathlib import Path

from setuptools import setup

ext_modules = []
if os.environ.get("WIRESTREAM_COMPILE") == "1":
    from mypyc.build import mypycify

    # Run as a file, not imported as streams.compiled: the build environment has none of the package's
    # dependencies, and that module needs only the standard library.
    modules = runpy.run_path(str(Path(__file__).with_name("streams") / "compiled.py"))["COMPILED_MODULES"]
    ext_modules = mypycify(["--ignore-missing-imports", *(name.replace(".", "/") + ".py" for name in modules)],
                           group_name="wirestream_domain")

setup(ext_modules=ext_modules)
