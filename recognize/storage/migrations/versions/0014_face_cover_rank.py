"""faces.cover_rank: large and sharp faces first, computed by the database and indexed per person,
so a page of persons finds each cover face with one index seek

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # SQLite can add only a virtual generated column; PostgreSQL has stored ones only.
    stored = op.get_bind().dialect.name != "sqlite"
    op.add_column("faces", sa.Column("cover_rank", sa.Float(), sa.Computed("width * (1 - blur)", persisted=stored)))
    op.create_index("ix_faces_person_cover", "faces", ["person_id", sa.text("cover_rank DESC"), "id"])


def downgrade() -> None:
    op.drop_index("ix_faces_person_cover", table_name="faces")
    op.drop_column("faces", "cover_rank")
