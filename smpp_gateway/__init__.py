"""smpp-gateway: SMPP 3.4 gateway and route-testing proxy."""

__version__ = "0.1.0"
