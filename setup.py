"""Installs the repository's top-level folders under the project's own import namespace.

The repository keeps ``core/``, ``integrations/`` and ``plugins/`` at its top level, but an
installed package named ``core`` would collide with anything else of that name, so each is
installed as ``xiaoqu.<folder>`` (``xiaoqu`` is a namespace package). ``blueprints/`` ships as
data beside them, as ``xiaoqu/blueprints/``. setup.cfg holds everything else; only this mapping needs code, because
``find:`` searches one folder and names packages as they are on disk.
"""
from setuptools import find_namespace_packages, setup

NAMESPACE = "xiaoqu"
CODE = ("core", "integrations", "plugins")
DATA = ("blueprints",)


def _packages() -> list[str]:
    """Every folder, with its data folders (``schemas/``, ``data/holidays/``) as packages too."""
    names = []
    for folder in (*CODE, *DATA):
        found = find_namespace_packages(folder, exclude=["*__pycache__*", "tests", "*.tests", "*.tests.*"])
        names += [folder, *(f"{folder}.{sub}" for sub in found)]
    return [f"{NAMESPACE}.{name}" for name in names]


setup(
    package_dir={f"{NAMESPACE}.{folder}": folder for folder in (*CODE, *DATA)},
    packages=_packages(),
)
