"""evasim: a digital twin of International Space Station spacewalks.

The public API is :mod:`evasim.api`.
"""

__version__ = "0.1.0"
