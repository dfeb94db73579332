"""tag_names: every tag name and kind once, so search finds tags by name without scanning every file's tags

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tag_names",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("name", "kind"),
    )
    op.execute("INSERT INTO tag_names (name, kind) SELECT DISTINCT name, kind FROM tags")


def downgrade() -> None:
    op.drop_table("tag_names")
