"""Route testing: probes through one route, handset reports, per-probe verdicts, route scorecards.

Pure parts (no asyncio, no clock): ``codes``, ``textdiff``, ``verdicts``, ``matching``, ``scorecard``,
``config``. The asynchronous layer: ``tester`` (RouteTester), ``live``, ``reporting``, ``storage``;
the HTTP API and status page: ``http``; the command line: ``cli``. docs/route-testing.md tells the
whole story.
"""
