"""Carrier SMSC simulators, handset panel and ESME load generator (the smpp-sim command)."""
