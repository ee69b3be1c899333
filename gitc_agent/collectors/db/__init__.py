"""The `db` collector: database servers' own user management and audit state (`db.instance`)."""
