"""The self-contained HTML replay report."""

from __future__ import annotations


def render_report(replay) -> str:
    """Spacewalk or attitude-event report, by the replay's part (the one dispatch)."""
    if replay.spacewalk is None:
        from .attitude_html import render_attitude_report

        return render_attitude_report(replay)
    from .html import render_spacewalk_report

    return render_spacewalk_report(replay)


__all__ = ["render_report"]
