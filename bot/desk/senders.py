"""Who may send replies to buyers: people and Slack user groups from the settings, groups expanded hourly."""

from __future__ import annotations

import logging

from bot.cards.clock import mention
from bot.services.slack import SlackError, SlackGateway
from bot.settings import Settings

log = logging.getLogger(__name__)


class Senders:
    """The team members allowed to send replies (everyone when INBOX_BOT_REPLY_SENDERS is empty)."""

    def __init__(self, settings: Settings, slack: SlackGateway) -> None:
        self.settings = settings
        self.slack = slack
        self.allowed: set[str] | None = None  # resolved reply senders (user groups expanded); None: not yet

    def may_send(self, user: str) -> bool:
        """Whether a person may send replies to buyers."""
        wanted = self.settings.reply_senders
        if not wanted:
            return True
        allowed = self.allowed if self.allowed is not None else {u for u in wanted if not u.startswith("S")}
        return user in allowed

    async def refresh(self) -> None:
        """Expand the user groups among the allowed senders (hourly, and at start)."""
        wanted = self.settings.reply_senders
        if not wanted:
            self.allowed = None
            return
        people = {u for u in wanted if not u.startswith("S")}
        for group in (g for g in wanted if g.startswith("S")):
            try:
                people.update(await self.slack.usergroup_members(group))
            except SlackError as e:  # a group that cannot be read allows nobody extra, and says so
                log.error("reply senders: user group %s cannot be read: %s", group, e)
        self.allowed = people

    def text(self) -> str:
        """Who may send, for refusals."""
        return ", ".join(mention(u) for u in self.settings.reply_senders) or "everyone"
