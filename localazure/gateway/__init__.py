"""The RBAC gateway: an HTTPS reverse proxy in front of Azurite that checks Entra tokens and role assignments
the way Azure Storage does (signature, tenant, audience, lifetime, built-in data roles), and passes shared-key and
SAS requests through unchanged."""
