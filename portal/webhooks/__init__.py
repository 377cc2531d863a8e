"""Webhooks: signed HTTP calls to endpoints an admin registers, delivered through the outbox.

`service` manages the endpoints and subscribes to the domain events, `payloads` writes what a
call carries (the object as the API shows it), and `delivery` is the "webhook" transport; the
factory's `register_listeners` installs the subscriber and the transport.
"""
