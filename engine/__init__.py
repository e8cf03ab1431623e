"""The message path and its state: inbox, worker, conversation steps, Rasa, outbox, erasure."""
