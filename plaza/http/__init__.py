"""What every HTTP interface shares — the Mastodon API, Plaza's own API, the web pages, the
media files: the reader's language and whether an answer is JSON (:mod:`.locale`), how errors
are answered (:mod:`.errors`), the headers every response carries (:mod:`.security`).

Interfaces import from here, never from one another nor from :mod:`plaza.app`, which only
assembles them.
"""
