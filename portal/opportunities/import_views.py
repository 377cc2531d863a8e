"""CRM import pages (upload a Salesforce or HubSpot export, check it, write it)."""

from portal.opportunities.views import bp  # noqa: F401
