"""The square: accounts, posts, topics, follows, notifications, timelines and search."""
