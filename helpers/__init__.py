"""Reference implementations, data loading, visualisations and checks for the course notebooks.

Importing ``helpers`` is cheap: it does not import TensorFlow. Modules that need it
import it on first use through :func:`helpers.runtime.import_tensorflow`.
"""

__version__ = "0.1.0"
