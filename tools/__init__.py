"""The command line and what developers and editors run: the stack launcher, the phone simulator,
the Twilio stand-in, the i18n and operator commands."""
