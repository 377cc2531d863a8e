"""Advocate Portal: the application factory."""

from __future__ import annotations

import os

from flask import Flask

from portal import config as config_module


def create_app(config_overrides: dict | None = None, config_class=None) -> Flask:
    """Build the portal: configure, then register extensions, blueprints, errors and commands."""
    app = Flask(
        __name__,
        template_folder="../templates",
        static_folder="../static",
        instance_relative_config=True,
    )
    os.makedirs(app.instance_path, exist_ok=True)
    config_class = config_class or config_module.Config
    app.config.from_object(config_class(app.instance_path))
    if config_overrides:
        app.config.update(config_overrides)

    register_observability(app)
    register_http_security(app)
    register_extensions(app)
    register_languages(app)
    register_blueprints(app)
    register_consent_gate(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_commands(app)
    register_listeners(app)
    return app


def register_observability(app: Flask) -> None:
    """First, so request ids, logs and metrics wrap every other hook."""
    from portal.operations.observability import register

    register(app)


def register_http_security(app: Flask) -> None:
    from portal.http_security import register

    register(app)


def register_extensions(app: Flask) -> None:
    from portal import models  # noqa: F401  (every model known to SQLAlchemy and Alembic)
    from portal.auth import oidc
    from portal.auth.session import load_user
    from portal.content import storage
    from portal.database import enable_sqlite_pragmas
    from portal.extensions import bootstrap, csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    with app.app_context():
        enable_sqlite_pragmas(db.engine)
    migrate.init_app(app, db, directory=os.path.join(app.root_path, "..", "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    bootstrap.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    login_manager.user_loader(load_user)
    oidc.init_app(app)
    storage.init_app(app)  # uploaded files: a folder or an S3-compatible bucket


def register_languages(app: Flask) -> None:
    from portal import i18n

    i18n.register(app)


def add_routes_of_shared_blueprints() -> None:
    """Blueprints whose routes several modules add: the module defining the blueprint imports
    none of them; each adds its routes when imported, here, before the blueprint is registered."""
    from portal.asks import preview_views, queue_views  # noqa: F401 (requests and queue)
    from portal.opportunities import import_views, staff_views  # noqa: F401 (opportunities)


def register_blueprints(app: Flask) -> None:
    from portal.accounts.lookup_views import bp as lookup_bp
    from portal.accounts.staff_views import bp as accounts_bp
    from portal.advocates.staff_views import bp as advocates_bp
    from portal.advocates.views import bp as me_bp
    from portal.api import bp as api_bp
    from portal.asks.slot_views import bp as slots_bp
    from portal.asks.staff_views import bp as queue_bp
    from portal.asks.staff_views import calendar_bp
    from portal.asks.views import bp as requests_bp
    from portal.audit.views import bp as audit_bp
    from portal.auth.admin_views import bp as users_bp
    from portal.auth.magic import bp as magic_bp
    from portal.auth.oidc import bp as sso_bp
    from portal.auth.token_views import admin_bp as tokens_admin_bp
    from portal.auth.token_views import bp as tokens_bp
    from portal.auth.views import bp as auth_bp
    from portal.benefits.staff_views import bp as benefits_admin_bp
    from portal.benefits.views import bp as benefits_bp
    from portal.content.staff_views import bp as content_admin_bp
    from portal.content.views import bp as content_bp
    from portal.dashboard.views import bp as dashboard_bp
    from portal.directory.views import bp as directory_bp
    from portal.nominations.public_views import bp as nominate_bp
    from portal.nominations.views import bp as nominations_bp
    from portal.notifications.admin_views import bp as outbox_bp
    from portal.notifications.inbox_views import bp as inbox_bp
    from portal.notifications.views import bp as notifications_bp
    from portal.notifications.views import feed_bp as calendar_feed_bp
    from portal.operations.views import bp as operations_bp
    from portal.opportunities.views import bp as opportunities_bp
    from portal.planning.views import bp as planning_bp
    from portal.playbook.views import admin_bp as playbook_admin_bp
    from portal.playbook.views import bp as playbook_bp
    from portal.program.custom_field_views import bp as custom_fields_bp
    from portal.program.taxonomy_views import bp as taxonomies_bp
    from portal.program.terms_views import bp as terms_admin_bp
    from portal.program.translation_views import bp as translations_admin_bp
    from portal.program.views import bp as settings_bp
    from portal.recognition.views import bp as recognition_bp
    from portal.recruiting.staff_views import bp as recruiting_bp
    from portal.recruiting.welcome_views import welcome_bp
    from portal.reports.views import bp as reports_bp
    from portal.thanks.views import bp as thanks_bp
    from portal.webhooks.admin_views import bp as webhooks_bp
    from portal.work.views import bp as work_bp

    add_routes_of_shared_blueprints()

    app.register_blueprint(dashboard_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(sso_bp)
    app.register_blueprint(magic_bp)
    app.register_blueprint(tokens_bp)
    app.register_blueprint(tokens_admin_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(lookup_bp)  # the program team's search fields
    app.register_blueprint(advocates_bp)
    app.register_blueprint(me_bp)
    app.register_blueprint(users_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(settings_bp)
    app.register_blueprint(recognition_bp)
    app.register_blueprint(custom_fields_bp)
    app.register_blueprint(terms_admin_bp)
    app.register_blueprint(translations_admin_bp)  # program texts in advocates' languages
    app.register_blueprint(taxonomies_bp)
    app.register_blueprint(requests_bp)
    app.register_blueprint(directory_bp)  # the reference directory (requesters)
    app.register_blueprint(playbook_bp)  # the requesters' playbook (all staff)
    app.register_blueprint(playbook_admin_bp)  # the program team edits it
    app.register_blueprint(queue_bp)
    app.register_blueprint(calendar_bp)
    app.register_blueprint(slots_bp)  # times offered and picked for accepted asks
    app.register_blueprint(benefits_bp)
    app.register_blueprint(benefits_admin_bp)
    app.register_blueprint(outbox_bp)
    app.register_blueprint(operations_bp)  # background jobs (admin)
    app.register_blueprint(inbox_bp)  # the Demo inbox (console delivery only)
    app.register_blueprint(content_bp)
    app.register_blueprint(content_admin_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(recruiting_bp)
    app.register_blueprint(nominations_bp)  # nominations from everyone
    app.register_blueprint(nominate_bp)  # the public self-nomination page
    app.register_blueprint(opportunities_bp)
    app.register_blueprint(planning_bp)  # planned needs and the gap (all staff, executives)
    app.register_blueprint(welcome_bp)
    app.register_blueprint(webhooks_bp)
    app.register_blueprint(thanks_bp)  # the advocate thanked: feedback, deal sharing
    app.register_blueprint(work_bp)  # shared work in progress (every team)
    app.register_blueprint(api_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(calendar_feed_bp)


def register_consent_gate(app: Flask) -> None:
    """After the blueprints: the API's hook must run after its token check."""
    from portal.advocates.consent import register

    register(app)


def register_errorhandlers(app: Flask) -> None:
    from portal.errors import register

    register(app)


def register_template_helpers(app: Flask) -> None:
    from portal.templating import register

    register(app)


def register_listeners(app: Flask) -> None:
    """Every hook that reacts to a change, installed here and nowhere else (no module registers
    anything when imported). Each call is idempotent: the tests build many apps in one process.

    The subscribers of one event run in the order subscribed here (in-app, calendar, chat, thanks,
    suggestions, shared work, then webhooks), so their outbox rows are written in that order.
    """
    from portal.asks import eligibility
    from portal.asks import reminders as ask_reminders
    from portal.notifications import calendar, chat, inapp, transports
    from portal.program import custom_fields
    from portal.program import service as program
    from portal.recruiting import nurturing, pipeline, suggestions
    from portal.reports import facts
    from portal.thanks import service as thanks
    from portal.webhooks import delivery
    from portal.webhooks import service as webhooks
    from portal.work import sharing as work

    # Session hooks: derived rows and per-request caches kept current on flush.
    facts.listen()  # the reports' per-request facts, on every change to an ask
    eligibility.listen()  # the rows matching reads, on every change to an advocate or ask
    program.listen()  # the request's cached taxonomy, forgotten when a term changes
    custom_fields.register_merge_handler()  # a taxonomy merge moves custom values too

    # Domain events (portal.events): subscribers run inside the change's transaction.
    inapp.register()
    calendar.register()
    chat.register()
    thanks.register()
    suggestions.register()
    work.register()
    webhooks.register()

    # The outbox's transports, by message kind (portal.notifications.sender).
    delivery.register()  # webhook
    transports.register()  # email, chat

    # Reminders (`flask send-reminders` and the worker).
    pipeline.register()  # invitation reminders
    nurturing.register()  # the follow-up digest
    ask_reminders.register()


def register_commands(app: Flask) -> None:
    from portal.cli import register

    register(app)
