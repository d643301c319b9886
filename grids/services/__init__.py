"""Workflow transitions of grid work: the only code allowed to change a workflow state.

``grids.services.cases`` moves cases (需求/问题) through their states, ``grids.services.wishes``
micro-wishes (微心愿). Each transition checks who may make it, changes the row, writes a
timeline step (who, when, note) and sets the next deadline, in one transaction; an illegal
transition raises ``TransitionError`` (a ``ValidationError``) with a clear message and
changes nothing.
"""

from django.core.exceptions import ValidationError


class TransitionError(ValidationError):
    """A transition that may not happen now, or not by this user."""
