"""The ``route_tests:`` section of gateway.yaml: probe plans per route, timeouts, matching.

    route_tests:
      not_delivered_timeout: 120     # defaults for every plan
      late_after: 30
      duplicate_window: 15
      plans:
        - route: fr-direct
          numbers: ["33612000001"]   # test handsets (E.164)
          senders: [ACME, "36123", "33700000001"]
          texts: ["Votre code est 123456", "Réglé à l'hôtel"]
          every_minutes: 5           # omit (or null) for on demand only

Pure pydantic models (no import of the gateway's config, which imports this module).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Seconds = Annotated[float, Field(gt=0)]
# Longest probe text: three concatenated GSM parts (3 x 153) is what a plan needs to see truncation.
MAX_TEXT = 3 * 153


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Timeouts(_Model):
    not_delivered_timeout: Seconds | None = Field(
        None, description="No handset report within this after the submit: not_delivered; the probe settles."
    )
    late_after: Seconds | None = Field(None, description="First handset report later than this: late.")
    duplicate_window: Seconds | None = Field(
        None,
        description="After the first report (and a final receipt), wait this long for a second copy "
        "before settling early.",
    )


class ProbePlan(Timeouts):
    route: str = Field(min_length=1, description="A route of `routes:`; probes use it and nothing else.")
    numbers: tuple[str, ...] = Field(min_length=1, description="MSISDNs of the test handsets (E.164).")
    senders: tuple[str, ...] = Field(
        min_length=1, description="Sender IDs to test: alphanumeric, short code, long number."
    )
    texts: tuple[Annotated[str, Field(min_length=1, max_length=MAX_TEXT)], ...] = Field(
        min_length=1, description="Texts to test: GSM, accented (UCS2), a link, a long 2-3 part message."
    )
    every_minutes: float | None = Field(
        None, gt=0, description="Run one round (every sender x text once) this often; null: on demand only."
    )

    @field_validator("numbers")
    @classmethod
    def _numbers(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        cleaned = tuple(number.removeprefix("+") for number in value)
        for number in cleaned:
            if not (number.isascii() and number.isdigit() and 6 <= len(number) <= 15):
                raise ValueError(f"{number!r} is not an E.164 number (6 to 15 digits)")
        return cleaned

    @field_validator("senders")
    @classmethod
    def _senders(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for sender in value:
            digits = sender.removeprefix("+")
            if digits.isascii() and digits.isdigit():
                if len(digits) > 15:
                    raise ValueError(f"sender {sender!r}: a number has at most 15 digits")
            elif not (1 <= len(sender) <= 11 and any(char.isalpha() for char in sender)):
                raise ValueError(
                    f"sender {sender!r}: an alphanumeric sender has 1-11 characters and a letter"
                )
        return value


class RouteTestsConfig(Timeouts):
    not_delivered_timeout: Seconds = 120.0
    late_after: Seconds = 30.0
    duplicate_window: Seconds = 15.0
    min_similarity: float = Field(
        0.6, gt=0, le=1, description="A report without a readable code matches a probe this similar."
    )
    scorecard_window: Seconds = Field(24 * 3600.0, description="Default window of scorecards and gauges.")
    first_round_after: float = Field(
        5.0, ge=0, description="Scheduled plans run their first round this long after start."
    )
    plans: tuple[ProbePlan, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> RouteTestsConfig:
        seen: set[str] = set()
        for index, plan in enumerate(self.plans):
            if plan.route in seen:
                raise ValueError(f"plans.{index}: a second plan for route {plan.route!r}")
            seen.add(plan.route)
            limits = self.limits(plan)
            if limits.late_after >= limits.not_delivered_timeout:
                raise ValueError(
                    f"plans.{index} ({plan.route}): late_after must be below not_delivered_timeout"
                )
        return self

    def plan(self, route: str) -> ProbePlan | None:
        return next((plan for plan in self.plans if plan.route == route), None)

    def limits(self, plan: ProbePlan) -> Limits:
        """The plan's timeouts, the section's where the plan sets none."""
        return Limits(
            not_delivered_timeout=plan.not_delivered_timeout or self.not_delivered_timeout,
            late_after=plan.late_after or self.late_after,
            duplicate_window=plan.duplicate_window or self.duplicate_window,
        )


class Limits(_Model):
    not_delivered_timeout: float
    late_after: float
    duplicate_window: float
