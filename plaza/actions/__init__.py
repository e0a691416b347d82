"""One action per user intent, called by every interface (Mastodon's services, Zulip's
``actions``): posting, deleting, liking, reposting, following, uploading an image, searching,
signing up and in. The web pages, the Mastodon API and Plaza's own API parse a request, call
the action, and render what it returns — so an act behaves the same whichever door it came in
through: its rate limit, its validation, its durable write (in the process's group commit, never
on the event loop), and its side effects (hot search's counting).

Each action is a coroutine taking the running :class:`~plaza.instance.Plaza` first and the
acting account (a row the interface has authenticated) or its id.

- :mod:`.statuses`: ``post_status``, ``delete_status``, ``favourite``, ``unfavourite``,
  ``reblog``, ``unreblog``
- :mod:`.relations`: ``follow``, ``unfollow``
- :mod:`.people`: ``sign_up``, ``sign_in``, ``update_profile``
- :mod:`.media`: ``upload_media``
- :mod:`.discovery`: ``search``
"""

from plaza.actions.discovery import Found, matching_accounts, search_square
from plaza.actions.media import upload_media
from plaza.actions.people import sign_in, sign_up, update_profile
from plaza.actions.relations import follow, unfollow
from plaza.actions.statuses import (
    delete_status,
    favourite,
    post_status,
    reblog,
    shown,
    unfavourite,
    unreblog,
)

__all__ = [
    "Found", "delete_status", "favourite", "follow", "matching_accounts", "post_status", "reblog",
    "search_square", "shown", "sign_in", "sign_up", "unfavourite", "unfollow", "unreblog",
    "update_profile", "upload_media",
]
