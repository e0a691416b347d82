"""the evaluation index (plaza.index): imported accounts and posts, daily counts per account,
computed periods and their results, hot events and their responses, region statistics

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('index_days',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('accounts', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_index_days'))
    )
    op.create_table('index_periods',
    sa.Column('period', sa.String(length=12), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('accounts', sa.Integer(), nullable=False),
    sa.Column('settings', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('period', name=op.f('pk_index_periods'))
    )
    op.create_table('region_statistics',
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('measure', sa.String(length=40), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('region_code', 'year', 'measure', name=op.f('pk_region_statistics'))
    )
    op.create_table('imported_accounts',
    sa.Column('account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('origin', sa.String(length=16), nullable=False),
    sa.Column('origin_id', sa.String(length=64), nullable=False),
    sa.Column('followers_count', sa.BigInteger(), nullable=False),
    sa.Column('verified_type', sa.Integer(), nullable=True),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_imported_accounts_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', name=op.f('pk_imported_accounts')),
    sa.UniqueConstraint('origin', 'origin_id', name=op.f('uq_imported_accounts_origin_origin_id'))
    )
    op.create_table('index_daily',
    sa.Column('account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('posts', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('originals', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('replies_given', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('replies_to_citizens', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('reposts', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('comments', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('original_reposts', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('original_comments', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('likes', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('trusted_reposts', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('trusted_likes', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('reposters', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('trusted_reposters', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('reads', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('reads_posts', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('reads_max', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('likes_max', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('mentions', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('mentions_answered', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('followers_gained', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('trusted_followers_gained', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('answer_minutes', sa.Text(), server_default='', nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_index_daily_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', 'day', name=op.f('pk_index_daily'))
    )
    with op.batch_alter_table('index_daily', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_index_daily_day'), ['day'], unique=False)

    op.create_table('index_events',
    sa.Column('topic', sa.String(length=200), nullable=False),
    sa.Column('list_key', sa.String(length=8), nullable=False),
    sa.Column('reached_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=True),
    sa.Column('department_type', sa.String(length=32), nullable=True),
    sa.Column('responsible', sa.Text(), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.ForeignKeyConstraint(['answered_by'], ['accounts.id'], name=op.f('fk_index_events_answered_by_accounts'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('topic', 'list_key', name=op.f('pk_index_events'))
    )
    with op.batch_alter_table('index_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_index_events_reached_at'), ['reached_at'], unique=False)

    op.create_table('index_results',
    sa.Column('period', sa.String(length=12), nullable=False),
    sa.Column('account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('composite', sa.Float(), nullable=False),
    sa.Column('reach', sa.Float(), nullable=True),
    sa.Column('service', sa.Float(), nullable=True),
    sa.Column('interaction', sa.Float(), nullable=True),
    sa.Column('recognition', sa.Float(), nullable=True),
    sa.Column('bci', sa.Float(), nullable=False),
    sa.Column('wci', sa.Float(), nullable=True),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('figures', sa.Text(), nullable=False),
    sa.Column('flags', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=True),
    sa.Column('city', sa.String(length=6), nullable=True),
    sa.Column('province', sa.String(length=6), nullable=True),
    sa.Column('level', sa.String(length=16), nullable=True),
    sa.Column('department_type', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_index_results_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('period', 'account_id', name=op.f('pk_index_results'))
    )
    with op.batch_alter_table('index_results', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_index_results_period_rank'), ['period', 'rank'], unique=False)
        for column in ('province', 'city', 'region_code', 'level', 'department_type'):
            batch_op.create_index(batch_op.f(f'ix_index_results_period_{column}_rank'), ['period', column, 'rank'],
                                  unique=False)

    op.create_table('imported_statuses',
    sa.Column('status_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('origin', sa.String(length=16), nullable=False),
    sa.Column('origin_id', sa.String(length=64), nullable=False),
    sa.Column('reads_count', sa.BigInteger(), nullable=True),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['status_id'], ['statuses.id'], name=op.f('fk_imported_statuses_status_id_statuses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('status_id', name=op.f('pk_imported_statuses')),
    sa.UniqueConstraint('origin', 'origin_id', name=op.f('uq_imported_statuses_origin_origin_id'))
    )


def downgrade() -> None:
    op.drop_table('imported_statuses')
    with op.batch_alter_table('index_results', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_index_results_period_rank'))
        for column in ('province', 'city', 'region_code', 'level', 'department_type'):
            batch_op.drop_index(batch_op.f(f'ix_index_results_period_{column}_rank'))

    op.drop_table('index_results')
    with op.batch_alter_table('index_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_index_events_reached_at'))

    op.drop_table('index_events')
    with op.batch_alter_table('index_daily', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_index_daily_day'))

    op.drop_table('index_daily')
    op.drop_table('imported_accounts')
    op.drop_table('region_statistics')
    op.drop_table('index_periods')
    op.drop_table('index_days')
