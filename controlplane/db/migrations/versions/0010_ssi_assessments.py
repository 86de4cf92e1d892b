"""ssi plane: diagnostic flash campaigns and assessments, EBIOS RM risk studies

Revision ID: 0010
Revises: 0005
Create Date: 2026-11-28 00:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from controlplane.db.base import UTCDateTime

revision = "0010"
down_revision = "0005"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table('ssi_campaigns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('framework_id', sa.String(length=64), nullable=False),
    sa.Column('framework_version', sa.String(length=32), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('results', JSON, nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('closed_at', UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ssi_campaigns')),
    sa.UniqueConstraint('name', name=op.f('uq_ssi_campaigns_name'))
    )
    op.create_index(op.f('ix_ssi_campaigns_state'), 'ssi_campaigns', ['state'], unique=False)
    op.create_table('ssi_assessments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('answers', JSON, nullable=False),
    sa.Column('overall', sa.Float(), nullable=True),
    sa.Column('maturity_level', sa.Integer(), nullable=True),
    sa.Column('chapter_scores', JSON, nullable=False),
    sa.Column('submitted_at', UTCDateTime(), nullable=True),
    sa.Column('submitted_by', sa.String(length=200), nullable=True),
    sa.Column('reminders', sa.Integer(), nullable=False),
    sa.Column('last_reminded_on', sa.Date(), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['ssi_campaigns.id'], name=op.f('fk_ssi_assessments_campaign_id_ssi_campaigns')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_ssi_assessments_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ssi_assessments')),
    sa.UniqueConstraint('campaign_id', 'tenant_id', name=op.f('uq_ssi_assessments_campaign_id'))
    )
    op.create_index(op.f('ix_ssi_assessments_campaign_id'), 'ssi_assessments', ['campaign_id'], unique=False)
    op.create_index(op.f('ix_ssi_assessments_state'), 'ssi_assessments', ['state'], unique=False)
    op.create_index(op.f('ix_ssi_assessments_tenant_id'), 'ssi_assessments', ['tenant_id'], unique=False)
    op.create_table('ssi_risk_studies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('scope', sa.Text(), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('content', JSON, nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_ssi_risk_studies_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ssi_risk_studies')),
    sa.UniqueConstraint('tenant_id', 'title', name=op.f('uq_ssi_risk_studies_tenant_id'))
    )
    op.create_index(op.f('ix_ssi_risk_studies_tenant_id'), 'ssi_risk_studies', ['tenant_id'], unique=False)


def downgrade() -> None:
    op.drop_table("ssi_risk_studies")
    op.drop_table("ssi_assessments")
    op.drop_table("ssi_campaigns")
