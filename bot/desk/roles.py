"""Who may do what: responders and leads from the settings (people and Slack user groups, groups expanded hourly).

Everyone may read, claim for themselves, release their own claim, discuss, look up orders, list the queue, see who is
on call and take on-call for themselves for up to INBOX_BOT_MAX_OVERRIDE_HOURS. Responders (INBOX_BOT_RESPONDERS, or
its old name INBOX_BOT_REPLY_SENDERS) also send replies, close conversations, mark notices handled, confirm and
retry sends, release other people's claims and track Amazon cases; when it is empty, everyone is a responder. Leads
(INBOX_BOT_LEADS) are responders who also put other people on call and set longer overrides; when it is empty, the
responders do that. Every refusal says who may and is written to the audit log.
"""

from __future__ import annotations

import logging
from enum import StrEnum
from typing import Any

from bot.cards.clock import mention
from bot.errors import Refusal
from bot.services.slack import SlackError, SlackGateway
from bot.settings import Settings
from bot.store.store import Store

log = logging.getLogger(__name__)


class Role(StrEnum):
    """What a person may be beyond a team member who reads, claims and discusses."""

    RESPONDER = "responders"
    LEAD = "leads"


def is_group(who: str) -> bool:
    """Whether a setting's id names a Slack user group (S…) rather than a person (U…, W…)."""
    return who.startswith("S")


class Roles:
    """The people of each role, as the settings name them, with their user groups expanded through Slack."""

    def __init__(self, settings: Settings, slack: SlackGateway, store: Store) -> None:
        self.settings = settings
        self.slack = slack
        self.store = store
        self.members: dict[
            Role, set[str]
        ] = {}  # each role's people with groups expanded; empty until refreshed

    def named(self, role: Role) -> list[str]:
        """The ids the settings give for a role (people and groups)."""
        return list(self.settings.responders if role is Role.RESPONDER else self.settings.leads)

    def _people(self, role: Role) -> set[str]:
        """A role's people: expanded at the last refresh, or (before the first) the people named directly."""
        known = self.members.get(role)
        return known if known is not None else {u for u in self.named(role) if not is_group(u)}

    def allows(self, user: str, role: Role) -> bool:
        """Whether `user` may act in `role` (leads are responders; an empty role falls back as the module says)."""
        responders, leads = self.named(Role.RESPONDER), self.named(Role.LEAD)
        if role is Role.RESPONDER:
            return not responders or user in self._people(Role.RESPONDER) | self._people(Role.LEAD)
        if leads:
            return user in self._people(Role.LEAD)
        return not responders or user in self._people(Role.RESPONDER)

    def who(self, role: Role) -> str:
        """Who may act in `role`, as mentions with the role's name: '<@U1>, <!subteam^S1> (responders) or …'."""
        responders, leads = self.named(Role.RESPONDER), self.named(Role.LEAD)
        parts = []
        if responders and (role is Role.RESPONDER or not leads):
            parts.append(f"{', '.join(mention(u) for u in responders)} (responders)")
        if leads:
            parts.append(f"{', '.join(mention(u) for u in leads)} (leads)")
        return " or ".join(parts) or "everyone"

    def refuse(
        self, user: str, role: Role, *, what: str, conversation_id: int | None = None, hint: str = ""
    ) -> str:
        """Audit a refused attempt and return what the person is told: who may, and what they can do instead."""
        self.store.audit(actor=user, action="refused", conversation_id=conversation_id, what=what, role=role)
        log.info("%s may not %s (only %s)", user, what, role)
        return f"Only {self.who(role)} may {what}.{f' {hint}' if hint else ''}"

    def require(
        self, user: str, role: Role, *, what: str, conversation_id: int | None = None, hint: str = ""
    ) -> None:
        """Raise Refusal (audited, saying who may) unless `user` may act in `role`."""
        if not self.allows(user, role):
            raise Refusal(self.refuse(user, role, what=what, conversation_id=conversation_id, hint=hint))

    async def refresh(self) -> None:
        """Expand the user groups of every role (hourly, and at start); a group that cannot be read adds nobody."""
        for role in Role:
            named = self.named(role)
            people = {u for u in named if not is_group(u)}
            for group in filter(is_group, named):
                try:
                    people.update(await self.slack.usergroup_members(group))
                except SlackError as e:
                    log.error("%s: user group %s cannot be read: %s", role, group, e)
            self.members[role] = people


def foreign_team(body: dict[str, Any], expected: str) -> str | None:
    """Why a request is not from our workspace and its people, or None when it is.

    Read: the workspace (`team_id`, `team.id`, `event.team`, `view.team_id`) and the person's team (`user.team_id`
    in interactivity payloads, `user_team` and `event.user_team` where present). Each one present must be
    `expected`, and at least one must be present. Enterprise ids are not read: an Enterprise Grid payload is served
    when its workspace or its person's team is ours and none of them is another.
    """

    def part(holder: Any, key: str) -> Any:
        return holder.get(key) if isinstance(holder, dict) else None

    event, user = body.get("event"), body.get("user")
    teams = [
        body.get("team_id"),
        part(body.get("team"), "id"),
        part(event, "team"),
        part(body.get("view"), "team_id"),
        part(user, "team_id"),
        body.get("user_team"),
        part(event, "user_team"),
    ]
    named = [t for t in teams if isinstance(t, str) and t]
    if not named:
        return "it names no workspace"
    other = next((t for t in named if t != expected), None)
    return f"it comes from {other}" if other else None
