"""`python -m simulators` is `smpp-sim`."""

from .cli import main

raise SystemExit(main())
