"""Rasa 3.6's own Twilio connector, for the side-by-side benchmark, with one change only: the
Twilio SDK client it builds for each reply sends to TWILIO_API_BASE_URL (the benchmark's
stand-in) instead of https://api.twilio.com. Everything else is Rasa's code as shipped: the
webhook (POST /webhooks/twilio/webhook, no signature check), the reply split on blank lines,
the blocking `messages.create` inside the request handler, the retries.

Runs inside Rasa (.venv-rasa); credentials.yml names it
`bench.plain_rasa_twilio.StandInTwilioInput`.
"""

from __future__ import annotations

import os

from rasa.core.channels.channel import OutputChannel
from rasa.core.channels.twilio import TwilioInput, TwilioOutput


class StandInTwilioInput(TwilioInput):
    """TwilioInput as shipped (same name, "twilio", so the same URL and input channel)."""

    def get_output_channel(self) -> OutputChannel:
        output = TwilioOutput(self.account_sid, self.auth_token, self.twilio_number)
        output.api.base_url = os.environ["TWILIO_API_BASE_URL"].rstrip("/")
        return output
