"""Flask extension objects, created here and bound to the app in ``create_app``."""

from __future__ import annotations

from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

login_manager = LoginManager()
login_manager.login_view = "accounts.login"
login_manager.login_message = "Please log in to see this page."
login_manager.login_message_category = "info"
# Session protection "strong" would log people out when their IP changes (phones);
# we rotate the session at log-in and tie sessions to a per-user token instead.
login_manager.session_protection = "basic"

#: CSRF on every form. JSON APIs that content calls (e.g. /xapi) are exempted where mounted.
csrf = CSRFProtect()
