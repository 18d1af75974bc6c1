"""Packaging detail pyproject.toml cannot say: the folders install under the project's name.

derive/ becomes vrest.derive, codegen/ vrest.codegen and templates/ vrest.codegen.templates,
so vrest never claims the top-level names `derive` or `codegen` (other distributions use them).
"""

from setuptools import find_packages, setup

FOLDERS = {"derive": "derive", "codegen": "codegen"}
packages = [f"vrest.{name}" for folder in FOLDERS for name in find_packages(include=[folder, f"{folder}.*"])]

setup(
    packages=packages + ["vrest.codegen.templates"],
    package_dir={"vrest.derive": "derive", "vrest.codegen": "codegen", "vrest.codegen.templates": "templates"},
    package_data={"vrest.derive": ["models/*.toml"], "vrest.codegen.templates": ["*.j2", "**/*.j2", "README.md"]},
)
