"""faces.embedded_at: when a face's embedding was written (nanoseconds), so a vector kept in memory is read
again only after it changed; an index covering the columns grouping reads for every face (not the blobs)

Revision ID: 0022
Revises: 0021
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

GROUPING_COLUMNS = ["file_id", "id", "person_id", "assigned_by", "clusterable", "embedding_model", "age", "embedded_at"]


def upgrade() -> None:
    op.add_column("faces", sa.Column("embedded_at", sa.BigInteger(), nullable=True))
    op.create_index("ix_faces_grouping", "faces", GROUPING_COLUMNS)


def downgrade() -> None:
    op.drop_index("ix_faces_grouping", table_name="faces")
    op.drop_column("faces", "embedded_at")
