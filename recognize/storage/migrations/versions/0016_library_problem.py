"""libraries.problem: why a library is paused (its folder was replaced or moved); NULL while it is usable

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("libraries", sa.Column("problem", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("libraries", "problem")
