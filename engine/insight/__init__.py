"""What the service saw: pseudonymous events from the message path, rolled up into daily
figures for the console's insight pages and the funders' report (engine/insight/README.md)."""
