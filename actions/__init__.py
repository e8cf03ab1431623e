"""Custom actions run by the rasa-sdk action server (`python -m actions.server`).

Each action renders guidance from content/<lang>/ for the person's channel and language, which
the worker passes in the message metadata."""
