"""The program team's opportunity list and deal pages."""

from portal.opportunities.views import bp  # noqa: F401
