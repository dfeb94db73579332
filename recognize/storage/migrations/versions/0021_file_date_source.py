"""files.date_source: where a file's date came from (exif, metadata, name, mtime: the last two are estimates)

Revision ID: 0021
Revises: 0020
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("files", sa.Column("date_source", sa.String(8), nullable=True))


def downgrade() -> None:
    op.drop_column("files", "date_source")
