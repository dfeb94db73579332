"""WebDAV libraries: libraries.credential (the login recognize uses on the server; never shown) and
libraries.folder_etags (each listed folder's ETag at the last scan, so unchanged folders are not listed again)

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("libraries", sa.Column("credential", sa.JSON(), nullable=True))
    op.add_column("libraries", sa.Column("folder_etags", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("libraries", "folder_etags")
    op.drop_column("libraries", "credential")
