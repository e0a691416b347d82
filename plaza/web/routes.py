"""The web pages' URL map, and how the web layer hooks into the application (error pages,
security headers, static files)."""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from plaza.web import (
    admin,
    auth,
    desk_board,
    desk_pages,
    feeds,
    help_pages,
    hot,
    index_pages,
    oauth_pages,
    people,
    posting,
    topics,
    warnings,
)
from plaza.web import incidents as incident_pages
from plaza.web import matrices as matrix_pages
from plaza.web.errors import (
    SignInRequired,
    http_error,
    render_error,
    render_server_error,
    sign_in_required,
)

STATIC = Path(__file__).parent / "static"


def routes() -> list[BaseRoute]:
    return [
        Mount("/static", app=StaticFiles(directory=str(STATIC)), name="static"),
        Route("/", feeds.square, name="square"),
        Route("/home", feeds.home, name="home"),
        Route("/city", feeds.city_index, name="city_index"),
        Route("/city/{code}", feeds.city, name="city"),
        Route("/hot", hot.hot_page, name="hot"),
        Route("/hot/list", hot.hot_fragment, name="hot_list"),
        Route("/topics/{name:path}/hosts", topics.add_host, methods=["POST"]),
        Route("/topics/{name:path}/hosts/{account_id}/remove", topics.remove_host, methods=["POST"]),
        Route("/topics/{name:path}/description", topics.set_description, methods=["POST"]),
        Route("/topics/{name:path}", topics.topic, name="topic"),
        Route("/search", feeds.search_page, name="search"),
        Route("/signup", auth.sign_up_form, name="sign_up"),
        Route("/signup", auth.sign_up_submit, methods=["POST"]),
        Route("/signin", auth.sign_in_form, name="sign_in"),
        Route("/signin", auth.sign_in_submit, methods=["POST"]),
        Route("/signout", auth.sign_out_submit, methods=["POST"], name="sign_out"),
        Route("/compose", posting.compose, name="compose"),
        Route("/statuses", posting.create_status, methods=["POST"], name="create_status"),
        Route("/statuses/{status_id}/favourite", posting.favourite, methods=["POST"]),
        Route("/statuses/{status_id}/unfavourite", posting.unfavourite, methods=["POST"]),
        Route("/statuses/{status_id}/reblog", posting.reblog, methods=["POST"]),
        Route("/statuses/{status_id}/unreblog", posting.unreblog, methods=["POST"]),
        Route("/statuses/{status_id}/delete", posting.delete, methods=["POST"]),
        Route("/notifications", people.notifications_page, name="notifications"),
        Route("/settings", people.settings_form, name="settings"),
        Route("/settings", people.settings_submit, methods=["POST"]),
        Route("/admin", admin.admin_page, name="admin"),
        Route("/admin/verify", admin.verify_government, methods=["POST"]),
        Route("/admin/accounts/{account_id}/{action}", admin.account_action, methods=["POST"]),
        Route("/admin/hot", hot.admin_hot_page, name="admin_hot"),
        Route("/admin/hot/{action}", hot.admin_hot_action, methods=["POST"]),
        # government matrices (政务矩阵) and matrix campaigns (矩阵联动)
        Route("/matrices", matrix_pages.matrix_list, name="matrices"),
        Route("/matrices", matrix_pages.create_matrix, methods=["POST"]),
        Route("/matrices/{matrix_id}", matrix_pages.matrix_page, name="matrix"),
        Route("/matrices/{matrix_id}/follow", matrix_pages.follow_all, methods=["POST"]),
        Route("/matrices/{matrix_id}/unfollow", matrix_pages.unfollow_all, methods=["POST"]),
        Route("/matrices/{matrix_id}/members", matrix_pages.add_members, methods=["POST"]),
        Route("/matrices/{matrix_id}/members/{account_id}/remove", matrix_pages.remove_member, methods=["POST"]),
        Route("/matrices/{matrix_id}/sync", matrix_pages.sync_matrix, methods=["POST"]),
        Route("/matrices/{matrix_id}/edit", matrix_pages.edit_matrix, methods=["POST"]),
        Route("/matrices/{matrix_id}/delete", matrix_pages.delete_matrix, methods=["POST"]),
        Route("/matrices/{matrix_id}/campaigns", matrix_pages.create_campaign, methods=["POST"]),
        Route("/campaigns/{campaign_id}", matrix_pages.campaign_page, name="campaign"),
        Route("/campaigns/{campaign_id}/end", matrix_pages.end_campaign, methods=["POST"]),
        Route("/campaigns/{campaign_id}/delete", matrix_pages.delete_campaign, methods=["POST"]),
        Route("/oauth/authorize", oauth_pages.authorize_form, name="oauth_authorize"),
        Route("/oauth/authorize", oauth_pages.authorize_submit, methods=["POST"]),
        Route("/@{username}", people.profile, name="profile"),
        Route("/@{username}/follow", people.follow, methods=["POST"]),
        Route("/@{username}/unfollow", people.unfollow, methods=["POST"]),
        Route("/@{username}/{status_id}", posting.status_page, name="status"),
        # the service desk's board and figures (服务台公示)
        Route("/desks/{desk}", desk_board.desk_board, name="desk_board"),
        # the city service desk (城市服务台): cases, the web form, "my cases", the queue, inboxes
        Route("/cases/{id}", desk_pages.case_page, name="case"),
        Route("/cases/{id}/actions/{action}", desk_pages.case_action, methods=["POST"]),
        Route("/cases/{id}/follow", desk_pages.follow, methods=["POST"]),
        Route("/desks/{desk}/new", desk_pages.new_case_form, name="new_case"),
        Route("/desks/{desk}/new", desk_pages.new_case_submit, methods=["POST"]),
        Route("/desks/{desk}/queue", desk_pages.queue_page, name="desk_queue"),
        Route("/me/cases", desk_pages.my_cases, name="my_cases"),
        # official warnings (预警): those in force, the form to issue one, lifting one
        Route("/warnings", warnings.warnings_page, name="warnings"),
        Route("/warnings/new", warnings.new_warning_form, name="new_warning"),
        Route("/warnings/new", warnings.new_warning_submit, methods=["POST"]),
        Route("/warnings/{id}", warnings.warning_page, name="warning"),
        Route("/warnings/{id}/cancel", warnings.cancel_submit, methods=["POST"]),
        Route("/departments/{username}/inbox", desk_pages.inbox_page, name="department_inbox"),
        # incidents (事件), their donation projects (公益项目) and public ledgers
        Route("/incidents", incident_pages.incident_list, name="incidents"),
        Route("/incidents", incident_pages.create, methods=["POST"]),
        Route("/incidents/new", incident_pages.new_form, name="new_incident"),
        Route("/incidents/{slug}", incident_pages.incident_page, name="incident"),
        Route("/incidents/{slug}/edit", incident_pages.edit_form),
        Route("/incidents/{slug}/edit", incident_pages.save, methods=["POST"]),
        Route("/incidents/{slug}/end", incident_pages.end, methods=["POST"]),
        Route("/incidents/{slug}/responders", incident_pages.add_responder, methods=["POST"]),
        Route("/incidents/{slug}/donations", incident_pages.open_project, methods=["POST"]),
        Route("/incidents/{slug}/donations/{project_id}", incident_pages.project_page, name="donation_project"),
        Route("/incidents/{slug}/donations/{project_id}/ledger", incident_pages.add_line, methods=["POST"]),
        # help requests (求助): the public list, the form, "my requests", the verifiers' queue, a
        # responder's page, a request's page and its steps
        Route("/help", help_pages.public_list, name="help"),
        Route("/help/new", help_pages.new_request_form, name="new_help_request"),
        Route("/help/new", help_pages.new_request_submit, methods=["POST"]),
        Route("/help/mine", help_pages.my_requests, name="my_help_requests"),
        Route("/help/queue", help_pages.queue_page, name="help_queue"),
        Route("/help/queue/next", help_pages.queue_next, methods=["POST"]),
        Route("/help/responders/{username}", help_pages.responder_page, name="help_responder"),
        Route("/help/{id}", help_pages.request_page, name="help_request"),
        Route("/help/{id}/actions/{action}", help_pages.request_action, methods=["POST"]),
        # the evaluation index (政务指数): the ranking, an account's index, hot events, the formulas,
        # a region's report as a page and a PDF (the PDF first: the page's path matches it too)
        Route("/index", index_pages.ranking_page, name="index"),
        Route("/index/formulas", index_pages.formulas_page, name="index_formulas"),
        Route("/index/events", index_pages.events_page, name="index_events"),
        Route("/index/correlations", index_pages.correlations_page, name="index_correlations"),
        Route("/index/accounts/{username}", index_pages.account_page, name="index_account"),
        Route("/index/reports/{region}/{period}.pdf", index_pages.report_pdf, name="index_report_pdf"),
        Route("/index/reports/{region}/{period}", index_pages.report_page, name="index_report"),
    ]


def install(app: Starlette) -> None:
    """Hook the web layer into the app: HTML error pages, the 500 page included (the JSON
    handlers still answer /api), and the sign-in redirect. (Security headers are the app's
    middleware: they cover the APIs too.)"""
    app.state.render_error = render_error
    app.state.render_server_error = render_server_error
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(SignInRequired, sign_in_required)
