"""The email channel: each notice to each household's addresses through an SMTP server.

Sent with the standard library's ``smtplib`` in a worker thread (rule 6: the loop never waits
on a mail server): a property office sends a few thousand mails a period, one connection per
household is cheap at that rate, and the standard library needs no new dependency. The
addresses come from the ``field`` of the household's people (:mod:`..contacts`), opened for
this one mail, never kept or logged; a mail server's refusal is kept as the reason without them.
"""
from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any, Final

from xiaoqu.core.validation import boolean, number, port, slug, string, vol

from ..const import CHANNEL_EMAIL
from .base import ChannelBase, ChannelContext, ChannelType, DeliveryFailed, Message


def _address(value: Any) -> str:
    text = string(value).strip()
    if text.count("@") != 1 or not all(text.split("@")) or any(c.isspace() for c in text):
        raise vol.Invalid("expected an email address such as wuye@example.com")
    return text


SCHEMA: Final = vol.Schema({
    vol.Required("host"): string,
    vol.Optional("port", default=25): port,
    vol.Required("sender"): _address,
    vol.Optional("username"): string,
    vol.Optional("password"): string,
    #: STARTTLS after connecting (port 587); ``ssl: true`` for a TLS connection from the start (465).
    vol.Optional("starttls", default=False): boolean,
    vol.Optional("ssl", default=False): boolean,
    vol.Optional("timeout", default=10.0): vol.All(number, vol.Range(min=0.5, max=120)),
    vol.Optional("field", default="email"): slug,
})


class EmailChannel(ChannelBase):
    def __init__(self, context: ChannelContext, config: dict[str, Any]) -> None:
        self.hub = context.hub
        self.contacts = context.contacts
        self.config = config

    async def send(self, message: Message, household: str) -> None:
        mail = EmailMessage()
        mail["Subject"] = message.title
        mail["From"] = self.config["sender"]
        mail["To"] = ", ".join(self.contacts.of(household, self.config["field"]))
        mail["Date"] = formatdate(self.hub.clock.time(), localtime=True)
        mail["Message-ID"] = make_msgid(message.notice_id)
        mail["X-Xiaoqu-Notice"] = message.notice_id
        mail.set_content(message.body)
        await self.hub.run_in_executor(self._deliver, mail)

    def _deliver(self, mail: EmailMessage) -> None:
        """Connect, log in if told to, send (in a worker thread)."""
        config = self.config
        make = smtplib.SMTP_SSL if config["ssl"] else smtplib.SMTP
        try:
            with make(config["host"], config["port"], timeout=config["timeout"]) as server:
                if config["starttls"]:
                    server.starttls(context=ssl.create_default_context())
                if "username" in config:
                    server.login(config["username"], config.get("password", ""))
                refused = server.send_message(mail)
        except smtplib.SMTPRecipientsRefused as err:
            raise DeliveryFailed(f"the mail server refused all {len(err.recipients)} address(es)") from None
        except smtplib.SMTPResponseException as err:
            raise DeliveryFailed(f"the mail server answered {err.smtp_code}") from None
        except (smtplib.SMTPException, OSError) as err:
            raise DeliveryFailed(f"the mail server could not be reached ({type(err).__name__})") from None
        if refused:
            raise DeliveryFailed(f"the mail server refused {len(refused)} of the household's addresses")


TYPE: Final = ChannelType(CHANNEL_EMAIL, SCHEMA, EmailChannel, "Email through an SMTP server")
