"""Packaging detail pyproject.toml cannot say: templates/ ships inside the wheel as codegen/templates."""

from setuptools import find_packages, setup

setup(
    packages=find_packages(include=["derive", "derive.*", "codegen", "codegen.*"]) + ["codegen.templates"],
    package_dir={"codegen.templates": "templates"},
    package_data={"derive": ["models/*.toml"], "codegen.templates": ["*.j2", "**/*.j2", "README.md"]},
)
