"""The sandbox's WSGI application: Jira under /rest, Confluence under /wiki (Cloud) or /confluence (Data Center),
controls under /_sandbox."""

from __future__ import annotations

import base64
import contextlib
import logging
import socket
import time

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException

from .faults import AfterApplying
from .responses import error, is_confluence, route_template
from .site import Site

log = logging.getLogger(__name__)
# Open without a login: the server's identity, and the views for people (a page, with its images; an issue).
PUBLIC = {"GET /rest/api/{version}/serverInfo", "GET /status", "GET /wiki/spaces/{key}/pages/{page_id}",
          "GET /wiki/spaces/{key}/pages/{page_id}/{title}", "GET /wiki/spaces/{key}/overview", "GET /browse/{key}",
          "GET /wiki/download/attachments/{page_id}/{filename}", "GET /confluence/display/{key}/{title}",
          "GET /confluence/pages/viewpage.action", "GET /confluence/download/attachments/{page_id}/{filename}"}


TOMCAT_400 = ('<!doctype html><html lang="en"><head><title>HTTP Status 400 – Bad Request</title></head><body>'
              '<h1>HTTP Status 400 – Bad Request</h1><hr class="line" /><p><b>Type</b> Exception Report</p>'
              '<p><b>Message</b> Request header is too large</p></body></html>')


def authenticate(site_: Site) -> str | None:
    """The account id of the caller, from Basic (email or username + token) or Bearer (Data Center PAT), as the
    product the path belongs to takes them: Cloud Basic with the email and an API token and no bearer token
    (Atlassian's "Basic auth for REST APIs"); Data Center personal access tokens as bearer tokens ("Using personal
    access tokens", Jira 8.14 and Confluence 7.9 on) and Basic with the username (Jira also takes the email)."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    users = site_.state.users.values()
    confluence = is_confluence()
    cloud = site_.confluence_cloud if confluence else site_.cloud
    if scheme.lower() == "basic":
        try:
            login, _, secret = base64.b64decode(value).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return None
        for user in users:
            if login in (user.email, user.name) and secret == user.token and user.active:
                # Cloud takes the email; Data Center the username (Jira also the email, Confluence does not).
                if (cloud and login != user.email) or (not cloud and confluence and login != user.name):
                    return None
                return user.account_id
    elif scheme.lower() == "bearer" and not cloud:
        for user in users:
            if value == user.token and user.active:
                return user.account_id
    return None


def create_app(site_: Site) -> Flask:
    from . import (
        confluence_attachments,
        confluence_content,
        confluence_labels,
        confluence_pages_v2,
        confluence_spaces,
        confluence_view,
        control,
        jira_attachments,
        jira_changelogs,
        jira_comments,
        jira_editmeta,
        jira_issues,
        jira_links,
        jira_people,
        jira_permissions,
        jira_projects,
        jira_properties,
        jira_search,
        jira_site,
        jira_transitions,
        webhook_api,
    )

    modules = (control, jira_site, jira_people, jira_permissions, jira_projects, jira_search, jira_issues,
               jira_editmeta, jira_changelogs, jira_transitions, jira_comments, jira_links, jira_attachments,
               jira_properties, webhook_api)
    # Confluence's v1 under its context path; Cloud's v2 and its page views under /wiki; Data Center has no v2, and
    # its page views are /display/... and /pages/viewpage.action (so /wiki and /confluence/api/v2 are 404s there).
    confluence = [confluence_spaces.blueprint, confluence_content.blueprint, confluence_labels.blueprint,
                  confluence_attachments.blueprint]
    if site_.confluence_cloud:
        confluence += [confluence_spaces.blueprint_v2, confluence_pages_v2.blueprint, confluence_labels.blueprint_v2,
                       confluence_attachments.blueprint_v2, confluence_view.cloud_blueprint]
    else:
        confluence.append(confluence_view.dc_blueprint)
    app = Flask("pmokit-sandbox")
    app.config.update(MAX_CONTENT_LENGTH=64 * 1024 * 1024, JSON_SORT_KEYS=False)
    # Flask's default JSON provider has both settings (its base class, as typed, does not).
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions["sandbox"] = site_
    for module in modules:
        app.register_blueprint(module.blueprint)
    for blueprint in confluence:
        app.register_blueprint(blueprint, url_prefix=site_.context_path)

    @app.before_request
    def _before() -> Response | None:
        g.site = site_
        g.started = time.monotonic()
        route = route_template()
        g.route = route
        g.refused = True  # until the request passes faults and authentication: nothing was applied
        if request.path.startswith("/_sandbox/"):
            return None
        if site_.max_url_bytes and len(request.full_path) > site_.max_url_bytes:
            # Tomcat (and most proxies) in front of Data Center refuse a request line past the header limit,
            # 8 KB by default (Atlassian KB: "Request header is too large", maxHttpHeaderSize in server.xml),
            # with an HTML page, before Jira sees it.
            return Response(TOMCAT_400, 400, mimetype="text/html")
        if not site_.cloud and request.path.startswith("/rest/api/3/"):
            # Jira Data Center serves REST v2 only (its REST reference documents /rest/api/2; v3 is Cloud's).
            return error(404, "null for uri: " + request.url)
        site_.stats.request(route)
        site_.stats.arrival(g.started)
        delay = site_.faults.latency(route)
        if delay:
            time.sleep(delay)
        decision = site_.faults.check(route, request.method)
        if decision is not None:
            if "Retry-After" in decision.headers:
                allowed = decision.allowed_after()
                site_.stats.retry_after(decision.wait, time.monotonic() + allowed if allowed is not None else None)
            response = error(decision.status, decision.body["errorMessages"][0])
            response.headers.update(decision.headers)
            return response
        g.user = authenticate(site_)
        # A path the site does not serve is a 404 whoever asks (on Data Center, /wiki/... and .../api/v2/...).
        if g.user is None and route not in PUBLIC and request.url_rule is not None:
            response = error(401, "You are not authenticated. Authentication required to perform this operation."
                             if not is_confluence() else "Authentication required")
            response.headers["WWW-Authenticate"] = 'Basic realm="protected-area"'
            response.headers["X-Seraph-LoginReason"] = "AUTHENTICATED_FAILED"
            return response
        g.refused = False
        return None

    @app.after_request
    def _after(response: Response) -> Response:
        if not request.path.startswith("/_sandbox/"):
            rule = None if g.get("refused", True) else site_.faults.after_applying(g.route, _caller(site_),
                                                                                     response.status_code)
            if rule is not None:
                response = answer_after_applying(site_, rule, response)
            site_.stats.response(response.status_code)
        response.headers.setdefault("X-AREQUESTID", f"{int(time.time() * 1000) % 100000000}")
        return response

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        if exc.code == 405:
            return error(405, f"Method {request.method} is not allowed for this resource")
        if exc.code == 404:
            return error(404, "Null for uri: " + request.url if not is_confluence() else "Not found")
        return error(exc.code or 500, exc.description or exc.name)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("sandbox error on %s %s", request.method, request.path)
        return error(500, f"Internal server error: {exc.__class__.__name__}")

    return app


def _caller(site_: Site) -> tuple[str, ...]:
    """Who made the request (account id, name, email), for faults that fall on one user's requests."""
    user = site_.state.users.get(g.get("user") or "")
    return (user.account_id, user.name, user.email) if user is not None else ()


def answer_after_applying(site_: Site, rule: AfterApplying, response: Response) -> Response:
    """The request was handled (a write is applied): hold its answer back, drop it, or replace it by a 5xx."""
    site_.stats.after_applying(rule.answer)
    if rule.answer == "late":
        time.sleep(rule.delay_ms / 1000)
        return response
    if rule.answer == "drop":
        drop_connection()
        return response
    return error(int(rule.answer), "Internal server error" if rule.answer == "500" else "Service Unavailable")


def drop_connection() -> None:
    """Close the connection under the current request without an answer: the client sees the server hang up
    after it sent everything. waitress lends the request its channel (through ``waitress.client_disconnected``,
    a method of the channel); the server's loop then closes the channel as for any peer that went away."""
    check = request.environ.get("waitress.client_disconnected")
    channel = getattr(check, "__self__", None)
    sock = getattr(channel, "socket", None)
    if not isinstance(sock, socket.socket):
        raise RuntimeError("dropping a connection needs the sandbox's waitress server")
    with contextlib.suppress(OSError):  # the client left already
        sock.shutdown(socket.SHUT_RDWR)
