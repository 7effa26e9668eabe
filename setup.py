"""Only the optional compiled build lives here; everything else is in pyproject.toml.

``WIRESTREAM_COMPILE=1 pip install .`` compiles the modules listed in streams/compiled.py with mypyc
(a C compiler and Python's headers are needed); without it the package is pure Python.
"""

import ast
import os
from pathlib import Path

from setuptools import setup


def _compiled_modules() -> tuple[str, ...]:
    # Parsed, not imported: the build environment has none of the package's dependencies.
    tree = ast.parse(Path(__file__).with_name("streams").joinpath("compiled.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "COMPILED_MODULES":
            return ast.literal_eval(node.value)
    raise RuntimeError("COMPILED_MODULES not found in streams/compiled.py")


ext_modules = []
if os.environ.get("WIRESTREAM_COMPILE") == "1":
    from mypyc.build import mypycify

    ext_modules = mypycify(["--ignore-missing-imports",
                            *(name.replace(".", "/") + ".py" for name in _compiled_modules())],
                           group_name="wirestream_domain")

setup(ext_modules=ext_modules)
