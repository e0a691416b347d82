"""Interface layers that speak the field's standards: the Mastodon client API and OAuth 2."""
