"""media files (issue 10): what an image is for, its thumbnail, and discarding

``purpose`` tells a post's image from a profile's avatar or header (public, never cleaned up
while in use); ``thumbnail_*`` is the timelines' smaller copy; ``discarded_at`` marks an image
whose post was deleted (or whose upload was never used) until its files are removed. File
names are looked up when a file is served, hence the unique index.

Rows from before keep their file names (``<id>.<ext>``) and work as they did, now served under
the same rules as new ones (a followers-only or direct post's image only to those who may see
the post); they have no thumbnail, so clients get the full image as the preview.

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("media_attachments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("purpose", sa.String(length=10), server_default="status", nullable=False))
        batch_op.add_column(sa.Column("thumbnail_file_name", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("thumbnail_width", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("thumbnail_height", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("discarded_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_media_attachments_file_name"), ["file_name"], unique=True)
        batch_op.create_index(batch_op.f("ix_media_attachments_thumbnail_file_name"), ["thumbnail_file_name"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_media_attachments_discarded_at"), ["discarded_at"], unique=False)
    # Avatars and headers were uploads never attached to a post: mark those in use as such, so
    # they stay public and the clean-up of unattached uploads leaves them alone.
    for purpose in ("avatar", "header"):
        op.execute(sa.text(
            f"UPDATE media_attachments SET purpose = '{purpose}' WHERE status_id IS NULL AND file_name IN "
            f"(SELECT {purpose} FROM accounts WHERE {purpose} IS NOT NULL AND accounts.id = media_attachments.account_id)"))


def downgrade() -> None:
    with op.batch_alter_table("media_attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_media_attachments_discarded_at"))
        batch_op.drop_index(batch_op.f("ix_media_attachments_thumbnail_file_name"))
        batch_op.drop_index(batch_op.f("ix_media_attachments_file_name"))
        batch_op.drop_column("discarded_at")
        batch_op.drop_column("thumbnail_height")
        batch_op.drop_column("thumbnail_width")
        batch_op.drop_column("thumbnail_file_name")
        batch_op.drop_column("purpose")
