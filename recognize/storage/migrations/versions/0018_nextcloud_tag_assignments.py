"""nextcloud_tags: the Nextcloud system-tag assignments recognize made, so it removes only its own

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "nextcloud_tags",
        sa.Column("library_id", sa.Integer(), sa.ForeignKey("libraries.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("nextcloud_file_id", sa.BigInteger(), primary_key=True),
        sa.Column("tag_id", sa.BigInteger(), primary_key=True),
        sa.Column("name", sa.String(255), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("nextcloud_tags")
