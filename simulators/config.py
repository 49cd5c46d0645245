"""The simulators' own configuration (simulators.yaml): carriers, their behaviours, the handset panel.

``load(path)`` returns a ``SimulatorConfig`` or raises ``ConfigError`` whose message names the file,
the path inside it and the problem, one line per problem, e.g.
``config/simulators.yaml: carriers.1.behaviour.loss_rate: Input should be less than or equal to 1``.
Rates are probabilities in [0, 1]; durations are seconds.
"""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from smpp_gateway.smpp.constants import CommandStatus
from smpp_gateway.yamlconfig import ConfigError as ConfigError  # re-exported: callers catch it from here
from smpp_gateway.yamlconfig import load_model, parse_model

from .profiles import PROFILES, merge


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Rate = Annotated[float, Field(ge=0.0, le=1.0)]
Seconds = Annotated[float, Field(gt=0)]
Port = Annotated[int, Field(ge=0, le=65535)]


class Delay(_Model):
    """A delay distribution in seconds. A bare number in YAML means a fixed delay."""

    distribution: Literal["fixed", "uniform", "exponential", "lognormal"] = "fixed"
    mean: float = Field(0.0, ge=0, description="fixed: the value; exponential: the mean; lognormal: median.")
    low: float = Field(0.0, ge=0, description="uniform: lower bound.")
    high: float = Field(0.0, ge=0, description="uniform: upper bound.")
    sigma: float = Field(0.5, gt=0, description="lognormal: shape (standard deviation of the log).")
    cap: float | None = Field(None, gt=0, description="No draw exceeds this (tames long tails).")

    @model_validator(mode="before")
    @classmethod
    def _number_is_fixed(cls, data: Any) -> Any:
        if isinstance(data, int | float) and not isinstance(data, bool):
            return {"distribution": "fixed", "mean": data}
        return data

    @model_validator(mode="after")
    def _bounds(self) -> Delay:
        if self.distribution == "uniform" and self.high < self.low:
            raise ValueError(f"high ({self.high}) is below low ({self.low})")
        return self

    @property
    def is_zero(self) -> bool:
        if self.distribution == "uniform":
            return self.high == 0
        return self.mean == 0


def _status(value: Any) -> Any:
    """A status by name (ESME_RSYSERR) or number (8, 0x08, "0x400" for vendor codes)."""
    if isinstance(value, str):
        if value in CommandStatus.__members__:
            return int(CommandStatus[value])
        try:
            return int(value, 0)
        except ValueError:
            raise ValueError(
                f"unknown command_status {value!r} (a name like ESME_RSYSERR or a number)"
            ) from None
    return value


class ErrorRule(_Model):
    status: Annotated[int, Field(ge=1, le=0xFFFFFFFF)] = Field(description="Status answered instead of 0.")
    rate: Rate

    _parse_status = field_validator("status", mode="before")(_status)


FinalState = Literal["DELIVERED", "EXPIRED", "DELETED", "UNDELIVERABLE", "ACCEPTED", "UNKNOWN", "REJECTED"]


class Outage(_Model):
    refuse_binds: bool = Field(False, description="Answer every bind with ESME_RBINDFAIL.")
    drop_every: Seconds | None = Field(None, description="Drop every connection each N seconds.")
    black_hole: bool = Field(False, description="Accept TCP, then never read or answer anything.")


class Receipts(_Model):
    delay: Delay = Field(default_factory=Delay, description="From delivery (or loss) to the receipt.")
    none_rate: Rate = Field(0.0, description="Share of messages that never get a receipt.")
    lost_state: FinalState = Field("UNDELIVERABLE", description="Honest receipt state of a lost message.")
    fake_delivered_rate: Rate = Field(0.0, description="Share of lost messages receipted DELIVRD anyway.")
    late_rate: Rate = Field(0.0, description="Share of receipts sent after late_delay more.")
    late_delay: Delay = Field(default_factory=lambda: Delay(mean=600.0))
    wrong_state_rate: Rate = Field(0.0, description="Share of delivered messages receipted wrong_state.")
    wrong_state: FinalState = "UNDELIVERABLE"


class SenderRewrite(_Model):
    rate: Rate = 0.0
    mode: Literal["random_long", "fixed", "alphanumeric"] = "random_long"
    fixed: str = Field("33700000099", max_length=20)
    long_prefix: str = Field("337", pattern=r"^\d{0,10}$", description="random_long: prefix to 11 digits.")
    alphanumerics: list[Annotated[str, Field(min_length=1, max_length=11)]] = Field(
        default_factory=lambda: ["INFO", "SMS"], min_length=1
    )


class TextAlteration(_Model):
    strip_accents_rate: Rate = Field(0.0, description="Accents stripped, UCS2 downgraded to GSM.")
    truncate_rate: Rate = 0.0
    truncate_to: int = Field(70, ge=1)
    append_rate: Rate = 0.0
    append_text: str = " Envoye par SMS-PRO"
    link_rewrite_rate: Rate = 0.0
    link_to: str = "http://sms-pro.example/r"


class Grey(_Model):
    sender: SenderRewrite = Field(default_factory=SenderRewrite)
    text: TextAlteration = Field(default_factory=TextAlteration)
    late_rate: Rate = Field(0.0, description="Share of deliveries delayed by late_delay.")
    late_delay: Delay = Field(default_factory=lambda: Delay(mean=900.0))
    night_rate: Rate = Field(0.0, description="Share of deliveries held until the night window (UTC).")
    night_start_hour: int = Field(1, ge=0, le=23)
    night_end_hour: int = Field(5, ge=1, le=24)
    duplicate_rate: Rate = Field(0.0, description="Share of deliveries the handset receives twice.")
    duplicate_delay: Delay = Field(
        default_factory=lambda: Delay(distribution="uniform", low=1.0, high=10.0),
        description="From the first copy to the second.",
    )

    @model_validator(mode="after")
    def _night(self) -> Grey:
        if self.night_end_hour <= self.night_start_hour:
            raise ValueError("night_end_hour must be after night_start_hour")
        return self


class KeywordTraffic(_Model):
    every: Seconds = Field(description="One MO every N seconds.")
    to: str = Field(min_length=1, max_length=20, description="Short code or number the handsets write to.")
    from_prefix: str = Field("336", pattern=r"^\d{1,10}$")
    texts: list[str] = Field(min_length=1)
    system_id: str | None = Field(None, description="ESME account receiving it; default the first one.")


class Mo(_Model):
    stop_reply_rate: Rate = Field(0.0, description="Share of delivered messages whose handset replies.")
    stop_text: str = "STOP"
    reply_delay: Delay = Field(default_factory=lambda: Delay(mean=1.0))
    keywords: list[KeywordTraffic] = Field(default_factory=list)


class Behaviour(_Model):
    submit_latency: Delay = Field(default_factory=Delay, description="submit_sm -> submit_sm_resp.")
    errors: list[ErrorRule] = Field(default_factory=list)
    tps: float | None = Field(None, gt=0, description="Accepted submits per second; beyond: RTHROTTLED.")
    max_binds: int | None = Field(None, ge=1, description="Bound sessions at once; beyond: RBINDFAIL.")
    outage: Outage = Field(default_factory=Outage)
    loss_rate: Rate = Field(0.0, description="Accepted but never delivered.")
    delivery_delay: Delay = Field(default_factory=Delay, description="Accept -> handset (honest).")
    receipts: Receipts = Field(default_factory=Receipts)
    grey: Grey = Field(default_factory=Grey)
    mo: Mo = Field(default_factory=Mo)

    @model_validator(mode="after")
    def _rates(self) -> Behaviour:
        if sum(rule.rate for rule in self.errors) > 1.0:
            raise ValueError("error rates add up to more than 1")
        return self


class Credential(_Model):
    system_id: str = Field(min_length=1, max_length=15)
    password: str = Field(min_length=1, max_length=8, repr=False)


class CarrierConfig(_Model):
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,32}$")
    host: str = "127.0.0.1"
    port: Port = Field(description="0 = any free port (tests).")
    system_id: str = Field("SIMSMSC", max_length=15, description="Our system_id in bind_resp.")
    credentials: list[Credential] = Field(min_length=1)
    profile: str = "direct"
    behaviour: Behaviour = Field(default_factory=Behaviour)
    seed: int | None = Field(None, description="Default: derived from the top-level seed and the name.")
    # Generous by default: the session counts every submit_sm of one TCP read before the first answer
    # goes out, so a client window of 200 arriving in one read must not look like an overflow.
    window: int = Field(1000, ge=1, description="Unanswered submits held per bind; beyond: RMSGQFUL.")
    deliver_window: int = Field(50, ge=1, description="Our deliver_sm awaiting deliver_sm_resp per bind.")
    queue_limit: int = Field(100_000, ge=1, description="Receipts/MO queued per system_id; oldest dropped.")
    enquire_link_interval: Seconds | None = 30.0
    response_timeout: Seconds = 30.0

    @model_validator(mode="before")
    @classmethod
    def _apply_profile(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        profile = data.get("profile", "direct")
        if profile not in PROFILES:
            raise ValueError(f"unknown profile {profile!r} (known: {', '.join(PROFILES)})")
        override = data.get("behaviour") or {}
        if not isinstance(override, dict):
            return data  # let the field report the wrong type
        return {**data, "behaviour": merge(PROFILES[profile], override)}

    @model_validator(mode="after")
    def _keyword_accounts(self) -> CarrierConfig:
        known = {item.system_id for item in self.credentials}
        for traffic in self.behaviour.mo.keywords:
            if traffic.system_id is not None and traffic.system_id not in known:
                raise ValueError(
                    f"MO keyword traffic names system_id {traffic.system_id!r}, not a credential"
                )
        return self


class Webhook(_Model):
    url: str = Field(pattern=r"^https?://", description="The gateway's POST /api/v1/handset-reports.")
    token: str = Field("", repr=False, description="Bearer token; empty = no Authorization header.")
    timeout: Seconds = 5.0
    max_attempts: int = Field(8, ge=1)
    backoff_initial: Seconds = 0.5
    backoff_max: Seconds = 30.0
    queue_limit: int = Field(10_000, ge=1, description="Reports waiting to be sent; oldest dropped.")
    msisdn_prefixes: list[str] = Field(default_factory=list, description="Report only these; [] = all.")


class PanelConfig(_Model):
    host: str = "127.0.0.1"
    port: Port = 8081
    history: int = Field(10_000, ge=1, description="Deliveries kept; the oldest are dropped.")
    webhook: Webhook | None = None


class SimulatorConfig(_Model):
    seed: int = Field(1, description="Seeds carriers that set none (with their name).")
    carriers: list[CarrierConfig] = Field(min_length=1)
    handsets: PanelConfig = Field(default_factory=PanelConfig)

    @model_validator(mode="after")
    def _unique(self) -> SimulatorConfig:
        names = [carrier.name for carrier in self.carriers]
        if len(set(names)) != len(names):
            raise ValueError(f"carrier names must be unique: {names}")
        ports = [carrier.port for carrier in self.carriers if carrier.port]
        if len(set(ports)) != len(ports):
            raise ValueError(f"carrier ports must be unique: {ports}")
        return self

    def carrier_seed(self, carrier: CarrierConfig) -> int:
        if carrier.seed is not None:
            return carrier.seed
        return (self.seed << 32) ^ zlib.crc32(carrier.name.encode())


def parse(data: Any, source: str = "<simulators config>") -> SimulatorConfig:
    """Validate an already-parsed YAML document."""
    return parse_model(SimulatorConfig, data, source)


def load(path: str | Path) -> SimulatorConfig:
    """Read and validate a configuration file."""
    return load_model(SimulatorConfig, path)
