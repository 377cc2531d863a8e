"""marshmallow schemas of the API, one module per resource (`accounts.py`, `requests.py`, ...):
what responses hold (dumped with them), what request bodies may hold (endpoints name theirs with
`@takes`, and `json_body()` reads the body by it) and what the OpenAPI document says. The objects
that events carry (asks, requests, claims, advocates, deals) have their schemas in
`portal.webhooks.payloads`: a webhook call shows them as the API does."""
