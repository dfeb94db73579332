"""faces record their embedding model and the age the model estimated

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("faces", schema=None) as batch_op:
        batch_op.add_column(sa.Column("embedding_model", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("age", sa.Float(), nullable=True))
    op.execute("UPDATE faces SET embedding_model = 'dlib-resnet-v1'")


def downgrade() -> None:
    with op.batch_alter_table("faces", schema=None) as batch_op:
        batch_op.drop_column("age")
        batch_op.drop_column("embedding_model")
