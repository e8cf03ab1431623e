"""Safety alerts by town: people subscribe by keyword or from the menu (`subscriptions`), a
supervisor writes an alert and another supervisor or an administrator approves it
(`broadcasts`, four eyes), and it goes out through the outbox at a pace Twilio accepts, behind
the conversations (`sending`)."""
