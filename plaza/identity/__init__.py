"""Who is asking: password hashing, access tokens, OAuth 2 apps and grants, sessions' helpers."""
