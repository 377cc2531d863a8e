"""Webhooks: signed HTTP calls to endpoints an admin registers, delivered through the outbox.

`service` subscribes to the domain events and `delivery` registers the "webhook" transport;
both are imported when the app registers the webhooks pages (`admin_views`).
"""
