"""The self-contained HTML replay report."""

from .html import render_report

__all__ = ["render_report"]
