"""Settings shared by every test layer."""

import msal.authority

# MSAL's username/password (ROPC) flow first asks https://<host>/common/userrealm/<user> on port 443, dropping the
# authority's port, so against localazure (https://127.0.0.1:PORT) it would reach nothing. Entra answers 404 there for
# managed (non-federated) domains, which MSAL remembers in this set; tests tell MSAL so up front.
msal.authority.Authority._domains_without_user_realm_discovery.add("127.0.0.1")
