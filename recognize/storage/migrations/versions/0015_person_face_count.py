"""persons.face_count: kept by triggers on faces, so a page of persons, most faces first, reads only
its own rows instead of counting every face of the instance

A later migration that rebuilds the faces table (SQLite batch mode) must create the triggers again.

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

SQLITE_TRIGGERS = [
    "CREATE TRIGGER faces_person_count_ai AFTER INSERT ON faces WHEN new.person_id IS NOT NULL BEGIN "
    "UPDATE persons SET face_count = face_count + 1 WHERE id = new.person_id; END",
    "CREATE TRIGGER faces_person_count_ad AFTER DELETE ON faces WHEN old.person_id IS NOT NULL BEGIN "
    "UPDATE persons SET face_count = face_count - 1 WHERE id = old.person_id; END",
    "CREATE TRIGGER faces_person_count_au AFTER UPDATE OF person_id ON faces "
    "WHEN old.person_id IS NOT new.person_id BEGIN "
    "UPDATE persons SET face_count = face_count - 1 WHERE id = old.person_id; "
    "UPDATE persons SET face_count = face_count + 1 WHERE id = new.person_id; END",
]
POSTGRES_TRIGGERS = [
    """CREATE FUNCTION persons_face_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') AND OLD.person_id IS NOT NULL THEN
        UPDATE persons SET face_count = face_count - 1 WHERE id = OLD.person_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.person_id IS NOT NULL THEN
        UPDATE persons SET face_count = face_count + 1 WHERE id = NEW.person_id;
    END IF;
    RETURN NULL;
END $$""",
    "CREATE TRIGGER faces_person_count AFTER INSERT OR DELETE ON faces "
    "FOR EACH ROW EXECUTE FUNCTION persons_face_count()",
    "CREATE TRIGGER faces_person_count_au AFTER UPDATE OF person_id ON faces FOR EACH ROW "
    "WHEN (OLD.person_id IS DISTINCT FROM NEW.person_id) EXECUTE FUNCTION persons_face_count()",
]


def upgrade() -> None:
    op.add_column("persons", sa.Column("face_count", sa.Integer(), nullable=False, server_default="0"))
    op.execute("UPDATE persons SET face_count = (SELECT count(*) FROM faces WHERE faces.person_id = persons.id)")
    for statement in SQLITE_TRIGGERS if op.get_bind().dialect.name == "sqlite" else POSTGRES_TRIGGERS:
        op.execute(statement)
    op.create_index("ix_persons_user_face_count", "persons", ["user_id", sa.text("face_count DESC"), "id"])


def downgrade() -> None:
    op.drop_index("ix_persons_user_face_count", table_name="persons")
    if op.get_bind().dialect.name == "sqlite":
        for name in ("faces_person_count_au", "faces_person_count_ad", "faces_person_count_ai"):
            op.execute(f"DROP TRIGGER {name}")
    else:
        op.execute("DROP TRIGGER faces_person_count_au ON faces")
        op.execute("DROP TRIGGER faces_person_count ON faces")
        op.execute("DROP FUNCTION persons_face_count()")
    op.drop_column("persons", "face_count")
