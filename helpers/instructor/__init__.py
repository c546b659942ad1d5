"""Instructor tooling: regenerate the student release and grade a class with nbgrader.

Everything here drives nbgrader through its Python API (``nbgrader.apps.NbGraderAPI``)
with the settings of the course's ``nbgrader_config.py``.
"""
