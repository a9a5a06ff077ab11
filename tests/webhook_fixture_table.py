"""Every captured Jira webhook body and exactly what pmokit must make of it (Zulip's integration tests, as a table).

The payloads are ``tests/fixtures/jira-webhooks/mattermost-plugin-jira/*.json``, copied byte for byte from
mattermost/mattermost-plugin-jira ``server/testdata/`` @ de7450012c961f07da21c447da6da9cf28aa84ea (Apache-2.0;
see ``tests/fixtures/PROVENANCE.md``). One row per file, keyed by the file name.

Each row was written by reading the payload, not by running the classifier:

- ``webhook_event`` is the body's ``webhookEvent``; ``issue_id``/``issue_key`` are ``issue.id``/``issue.key``, or,
  for Server's ``comment_*`` events that carry no issue, the id in the comment's ``self`` URL and no key ("").
- ``actor`` is the user who acted as the payload carries them: ``user.accountId`` (Cloud), else ``user.name``
  (Server; ``key`` only when there is no name); where the body has no ``user`` (comment events), the comment's
  ``updateAuthor`` (= its author for a new comment).
- ``triggers`` (sorted, as the receiver answers them), from the changelog and the event type, in the terms of
  ``rules/registry.py``: ``status``/``resolution`` a ``transition``; links, attachments, parents a ``link``; any
  other field (assignee, priority, labels, custom fields ...) a ``field_change``; a comment added, edited or
  deleted a ``comment``; an issue created ``created``; deleted ``deleted``. An update that names no field
  (``issue_assigned`` with an empty changelog) is a ``field_change``: something about the issue changed.
- ``comment`` is the comment's text where the event carries a comment that still exists (approvals are read from
  it); a deleted comment's text is not carried over ("") even where the body still holds it: it approves nothing.
- ``changed`` lists the changelog items' ``field`` names, case-folded, in the payload's order (duplicates kept),
  ``()`` when the body has no changelog.

A row the code does not (yet) agree with says so in ``disagrees``: the field that differs and why. Its tests are
strict xfails: they fail once the code is fixed, so that the mark is removed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

FIXTURE_DIR = Path(__file__).parent / "fixtures" / "jira-webhooks" / "mattermost-plugin-jira"

CLOUD_ADMIN = "5c5f880629be9642ba529340"  # accountId of "Test User" (name admin) on some-instance-test
CLOUD_TEST = "5cedcb4355a88a0fc86388ba"  # accountId of "Test User"/"Sample User" on mmtest
CREATED_FIELDS = ("description", "priority", "reporter", "status", "summary")  # what a new issue's changelog sets


@dataclass(frozen=True)
class Accepted:
    """An event pmokit handles: 202 and an inbox row."""

    webhook_event: str
    issue_id: str
    issue_key: str
    actor: str
    triggers: tuple[str, ...]
    comment: str = ""
    changed: tuple[str, ...] = ()
    disagrees: dict[str, str] = field(default_factory=dict)  # Event field -> why the code gives something else


@dataclass(frozen=True)
class Ignored:
    """An event pmokit does not act on: 200 with this reason, nothing stored."""

    reason: str
    disagrees: dict[str, str] = field(default_factory=dict)


TABLE: dict[str, Accepted | Ignored] = {
    # --- Jira Cloud comment events: a trimmed issue, no `user`; the actor is the comment's (update) author.
    "webhook-cloud-comment-created.json": Accepted(
        "comment_created", "10040", "TES-41", CLOUD_ADMIN, ("comment",), comment="Added a comment"),
    "webhook-cloud-comment-deleted.json": Accepted(  # who deleted it is not said: not the comment's author
        "comment_deleted", "10357", "KT-7", "", ("comment",)),
    "webhook-cloud-comment-updated.json": Accepted(
        "comment_updated", "10040", "TES-41", CLOUD_ADMIN, ("comment",), comment="Added a comment, then edited it"),
    # --- Jira Cloud issue events.
    "webhook-cloud-issue-updated-custom-field.json": Accepted(
        "jira:issue_updated", "10368", "TES-14", CLOUD_TEST, ("field_change",), changed=("mjk - number field",)),
    "webhook-issue-assigned-empty-changelog.json": Accepted(
        "jira:issue_updated", "10001", "TEST-123", "123456", ("field_change",)),
    "webhook-issue-created-no-description-nor-relevant-fields.json": Accepted(
        "jira:issue_created", "10040", "TES-41", CLOUD_ADMIN, ("created",), changed=CREATED_FIELDS),
    "webhook-issue-created-no-description.json": Accepted(
        "jira:issue_created", "10040", "TES-41", CLOUD_ADMIN, ("created",), changed=CREATED_FIELDS),
    "webhook-issue-created-no-relevant-fields.json": Accepted(
        "jira:issue_created", "10040", "TES-41", CLOUD_ADMIN, ("created",), changed=CREATED_FIELDS),
    "webhook-issue-created.json": Accepted(
        "jira:issue_created", "10040", "TES-41", CLOUD_ADMIN, ("created",), changed=CREATED_FIELDS),
    "webhook-issue-deleted.json": Accepted(
        "jira:issue_deleted", "10303", "IDT-19", CLOUD_ADMIN, ("deleted",)),
    "webhook-issue-updated-assigned-nobody.json": Accepted(
        "jira:issue_updated", "10040", "TES-41", CLOUD_ADMIN, ("field_change",), changed=("assignee",)),
    "webhook-issue-updated-assigned.json": Accepted(
        "jira:issue_updated", "10040", "TES-41", CLOUD_ADMIN, ("field_change",), changed=("assignee",)),
    "webhook-issue-updated-attachments.json": Accepted(
        "jira:issue_updated", "10040", "TES-41", CLOUD_ADMIN, ("link",), changed=("attachment",)),
    "webhook-issue-updated-components.json": Accepted(
        "jira:issue_updated", "10360", "TES-10", CLOUD_TEST, ("field_change",), changed=("component",)),
    "webhook-issue-updated-edited.json": Accepted(
        "jira:issue_updated", "10040", "TES-41", CLOUD_ADMIN, ("field_change",), changed=("description",)),
    "webhook-issue-updated-fix-version.json": Accepted(
        "jira:issue_updated", "10040", "TES-41", CLOUD_ADMIN, ("field_change",), changed=("fix version",)),
    "webhook-issue-updated-issue-type.json": Accepted(
        "jira:issue_updated", "10040", "TES-41", CLOUD_ADMIN, ("field_change",), changed=("issuetype",)),
    "webhook-issue-updated-labels.json": Accepted(
        "jira:issue_updated", "10040", "TES-41", CLOUD_ADMIN, ("field_change",), changed=("labels",)),
    "webhook-issue-updated-lowered-priority.json": Accepted(
        "jira:issue_updated", "10040", "TES-41", CLOUD_ADMIN, ("field_change",), changed=("priority",)),
    "webhook-issue-updated-multiple-custom-fields.json": Accepted(  # two custom fields, both named "Field Name"
        "jira:issue_updated", "10040", "TES-41", CLOUD_ADMIN, ("field_change",), changed=("field name", "field name")),
    "webhook-issue-updated-raised-priority.json": Accepted(
        "jira:issue_updated", "10040", "TES-41", CLOUD_ADMIN, ("field_change",), changed=("priority",)),
    "webhook-issue-updated-renamed.json": Accepted(
        "jira:issue_updated", "10040", "TES-41", CLOUD_ADMIN, ("field_change",), changed=("summary",)),
    "webhook-issue-updated-reopened-one-changelog.json": Accepted(
        "jira:issue_updated", "10040", "TES-41", CLOUD_ADMIN, ("transition",), changed=("resolution",)),
    "webhook-issue-updated-reopened.json": Accepted(
        "jira:issue_updated", "10040", "TES-41", CLOUD_ADMIN, ("transition",), changed=("resolution", "status")),
    "webhook-issue-updated-resolved-one-changelog.json": Accepted(
        "jira:issue_updated", "10040", "TES-41", CLOUD_ADMIN, ("transition",), changed=("resolution",)),
    "webhook-issue-updated-resolved.json": Accepted(
        "jira:issue_updated", "10040", "TES-41", CLOUD_ADMIN, ("transition",), changed=("resolution", "status")),
    "webhook-issue-updated-started-working.json": Accepted(
        "jira:issue_updated", "10040", "TES-41", CLOUD_ADMIN, ("transition",), changed=("status",)),
    # --- Jira Server/Data Center: users by name/key; comment events inside jira:issue_updated.
    "webhook-issue-comment-created-indentation.json": Accepted(
        "jira:issue_updated", "10101", "TEST-4", "test", ("comment",),
        comment="[~Test] creating a test comment\r\n\r\na second line for the test comment"),
    "webhook-issue-updated-assigned-on-server.json": Accepted(
        "jira:issue_updated", "10226", "PRJA-37", "admin", ("field_change",), changed=("assignee",)),
    "webhook-server-issue-updated-closed.json": Accepted(
        "jira:issue_updated", "10300", "TES-4", "admin", ("transition",), changed=("status",)),
    "webhook-server-issue-updated-comment-deleted.json": Accepted(  # no comment in the body at all
        "jira:issue_updated", "10013", "PRJX-14", "levbrouk", ("comment",)),
    "webhook-server-issue-updated-comment-edited.json": Accepted(
        "jira:issue_updated", "10013", "PRJX-14", "levbrouk", ("comment",), comment="and higher eeven higher"),
    "webhook-server-issue-updated-commented-1.json": Accepted(
        "jira:issue_updated", "10013", "PRJX-14", "levbrouk", ("comment",), comment="unik"),
    "webhook-server-issue-updated-commented-2.json": Accepted(  # name "TestUser", key "testUser": the name
        "jira:issue_updated", "10231", "PRJA-42", "TestUser", ("comment",),
        comment="This is a test comment. We should act on it right away."),
    "webhook-server-issue-updated-commented-3.json": Accepted(
        "jira:issue_updated", "10231", "PRJA-42", "TestUser", ("comment",),
        comment="This is a test comment. We should act on it right away. cc: [~SomeOtherUser]"),
    "webhook-server-issue-updated-commented-mention-user.json": Accepted(
        "jira:issue_updated", "10013", "PRJX-14", "levbrouk", ("comment",), comment="unik with mentioned user [~user]"),
    "webhook-server-issue-updated-in-progress.json": Accepted(
        "jira:issue_updated", "10300", "TES-4", "admin", ("transition",), changed=("status",)),
    "webhook-server-issue-updated-reopened.json": Accepted(
        "jira:issue_updated", "10300", "TES-4", "admin", ("transition",), changed=("resolution", "status")),
    "webhook-server-issue-updated-resolved.json": Accepted(
        "jira:issue_updated", "10300", "TES-4", "admin", ("transition",), changed=("status", "resolution")),
    "webhook-server-updated-custom-field.json": Accepted(
        "jira:issue_updated", "10106", "TES-8", "test", ("field_change",), changed=("numfield",)),
    # --- Jira Server comment_* events: only the comment; its `self` URL names the issue (/issue/10013/comment/..).
    "webhook-server-comment-created.json": Accepted(  # no `user`: the comment's author
        "comment_created", "10013", "", "levbrouk", ("comment",), comment="unik"),
    "webhook-server-comment-deleted.json": Accepted(
        "comment_deleted", "10013", "", "levbrouk", ("comment",)),
    "webhook-server-comment-updated.json": Accepted(
        "comment_updated", "10013", "", "levbrouk", ("comment",), comment="and higher eeven higher"),
}
