"""Covering index for a campaign's abandonment rate (one index-only pass per query).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the index."""
    op.create_index(
        "ix_attempts_campaign_live",
        "attempts",
        ["campaign", "channel", "at", "outcome", "connect_delay_s"],
    )


def downgrade() -> None:
    """Drop the index."""
    op.drop_index("ix_attempts_campaign_live", table_name="attempts")
