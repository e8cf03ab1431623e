"""Handing a conversation to a person: records, routing, the desk, notices to the migrant, partners."""
