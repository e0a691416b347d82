"""Following (关注) and unfollowing: what every interface calls."""

from __future__ import annotations

from plaza.instance import Plaza
from plaza.square import follows
from plaza.square.follows import Relationship


async def follow(plaza: Plaza, follower_id: int, target_id: int) -> Relationship:
    """Follow an account (following twice is following once); answers the relationship.
    Rate-limited per account (``PLAZA_RATE_LIMIT_FOLLOWS``): mass following is how spam starts."""
    plaza.limits.hit("follow", str(follower_id))
    db = plaza.db
    await db.batched(lambda: follows.follow(db, follower_id, target_id))
    return await plaza.read(lambda: follows.relationships(db, follower_id, [target_id])[0])


async def unfollow(plaza: Plaza, follower_id: int, target_id: int) -> Relationship:
    db = plaza.db
    await db.batched(lambda: follows.unfollow(db, follower_id, target_id))
    return await plaza.read(lambda: follows.relationships(db, follower_id, [target_id])[0])
