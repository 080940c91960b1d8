"""Portal accounts: users, organizations, email outbox, rate limits, site settings, FAQ.

Revision ID: c0002_accounts
Revises: c0001_packages
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "c0002_accounts"
down_revision = "c0001_packages"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)

# The help page's first content: the questions of the portal FAQ, answered for Rollcall.
# Admins edit them afterwards (stored in faq_entries).
FAQ = [
    (
        "Using the portal",
        "What is this portal?",
        (
            "A free training portal for law enforcement professionals and community partners: interactive "
            "online courses on public safety topics, instructional resources such as video series for roll "
            "calls, and listings of in-person courses run by other organizations."
        ),
    ),
    (
        "Using the portal",
        "Who creates the content?",
        (
            "Courses and resources come from content partners: organizations that build training and publish "
            "it here. Each course page names the organization behind it."
        ),
    ),
    (
        "Using the portal",
        "Is there a limit to how many people from one organization can use the portal?",
        "No. Anyone in your organization may create an account and take the courses, at no cost.",
    ),
    (
        "Using the portal",
        "How do I register for courses?",
        (
            'First create an account with "Sign up" at the top of the page and confirm your email address '
            "with the link we send you. Then log in with your email address and password and press "
            '"Enroll" on a course page.'
        ),
    ),
    (
        "Using the portal",
        "Can one person register others?",
        (
            "No. There is no group registration, and nobody can register someone else: each person creates "
            "their own account."
        ),
    ),
    (
        "Using the portal",
        "What do I need to take an e-learning course?",
        (
            "A current web browser (Chrome, Edge, Firefox or Safari) with a reliable internet connection, and "
            "speakers or headphones for courses with sound. The portal works on phones and tablets; some "
            "older courses are easier to follow on a larger screen."
        ),
    ),
    (
        "Using the portal",
        "Who do I contact about a technical problem?",
        "Contact support by email or phone (see below). Tell us which page or course you were using.",
    ),
    (
        "Using the portal",
        "I did not receive the confirmation or password reset email. What now?",
        (
            "It should arrive within 5 minutes. Check your spam or junk folder. You can ask for it again from "
            "the log-in page. If it still does not arrive, contact support by email or phone (see below) and "
            "we will help you confirm your account or reset your password."
        ),
    ),
    (
        "E-learning courses and instructional resources",
        "Are the e-learning courses free?",
        (
            "Yes. Every course on the portal is free and open to anyone, from community members to entire "
            "law enforcement organizations."
        ),
    ),
    (
        "E-learning courses and instructional resources",
        "What can I find on the portal?",
        (
            "On-demand e-learning courses, well suited to individual professional development, and "
            "instructional resources such as video series and documents, well suited to roll calls and "
            "other departmental training."
        ),
    ),
    (
        "E-learning courses and instructional resources",
        "How long does a course take?",
        (
            "Courses vary in length; many course pages give a recommended run-time. Every course is "
            "self-paced, and once you enroll you stay enrolled for as long as the course is available."
        ),
    ),
    (
        "E-learning courses and instructional resources",
        "Do I need to finish a course in one sitting?",
        "No. You can start, stop and resume a course whenever you like; it picks up where you left off.",
    ),
    (
        "E-learning courses and instructional resources",
        "Can I download course documents and slides?",
        "It depends on the course: each course page lists the materials its authors made available.",
    ),
    (
        "E-learning courses and instructional resources",
        "Can I take the same course more than once?",
        (
            "You can revisit a course as often as you like. Your completion certificate always shows the date "
            "you first completed it; it is not possible to unenroll and enroll again for a new date."
        ),
    ),
    (
        "E-learning courses and instructional resources",
        "Do the courses count for continuing education credit?",
        (
            "Certification of e-learning varies across the nation, and many state and local organizations "
            "give credit for these courses. Follow your organization's procedure for certifying e-learning."
        ),
    ),
    (
        "In-person courses",
        "How do I register for an in-person course?",
        (
            "In-person courses are run by other organizations. Each listing links to the provider's own "
            "registration page."
        ),
    ),
    (
        "In-person courses",
        "Are in-person courses free?",
        (
            "Each provider handles registration, scheduling and any fees for its own courses; see the "
            "provider's website for details."
        ),
    ),
]


def upgrade() -> None:
    op.create_table(
        "partner_organizations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("slug", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("created_at", TZ, nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("id", name="pk_partner_organizations"),
        sa.UniqueConstraint("slug", name="uq_partner_organizations_slug"),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("organization", sa.String(200), nullable=True),
        sa.Column("organization_kind", sa.String(32), nullable=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("partner_slug", sa.String(64), nullable=True),
        sa.Column("password_hash", sa.String(255), nullable=True),
        sa.Column("session_token", sa.String(64), nullable=False),
        sa.Column("confirmed_at", TZ, nullable=True),
        sa.Column("updates_opt_in", sa.Boolean, nullable=False),
        sa.Column("created_at", TZ, nullable=False, server_default=sa.func.now()),
        sa.Column("last_login_at", TZ, nullable=True),
        sa.Column("closed_at", TZ, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("uuid", name="uq_users_uuid"),
        sa.UniqueConstraint("email", name="uq_users_email"),
        sa.ForeignKeyConstraint(
            ["partner_slug"],
            ["partner_organizations.slug"],
            name="fk_users_partner_slug_partner_organizations",
            onupdate="CASCADE",
            ondelete="SET NULL",
        ),
    )
    op.create_index("ix_users_role", "users", ["role"])
    op.create_index("ix_users_partner_slug", "users", ["partner_slug"])
    op.create_table(
        "outbox_messages",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("to_address", sa.String(254), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", TZ, nullable=False),
        sa.Column("claimed_until", TZ, nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("sent_at", TZ, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_outbox_messages"),
    )
    op.create_index("ix_outbox_messages_status", "outbox_messages", ["status"])
    op.create_index("ix_outbox_messages_next_attempt_at", "outbox_messages", ["next_attempt_at"])
    op.create_table(
        "rate_limit_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("bucket", sa.String(64), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_rate_limit_events"),
    )
    op.create_index(
        "ix_rate_limit_events_bucket_key_at",
        "rate_limit_events",
        ["bucket", "key", "at"],
    )
    op.create_index("ix_rate_limit_events_at", "rate_limit_events", ["at"])
    op.create_table(
        "site_settings",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_site_settings"),
    )
    faq = op.create_table(
        "faq_entries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("section", sa.String(200), nullable=False),
        sa.Column("question", sa.String(500), nullable=False),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_faq_entries"),
    )
    op.create_index("ix_faq_entries_position", "faq_entries", ["position"])
    op.bulk_insert(
        faq,
        [
            {
                "section": section,
                "question": question,
                "answer": answer,
                "position": (i + 1) * 10,
            }
            for i, (section, question, answer) in enumerate(FAQ)
        ],
    )


def downgrade() -> None:
    for table in (
        "faq_entries",
        "site_settings",
        "rate_limit_events",
        "outbox_messages",
        "users",
        "partner_organizations",
    ):
        op.drop_table(table)
