"""The pipeline: modes, amendments, statuses (standard, overridden, vendor), groups, concatenation."""

from __future__ import annotations

import dataclasses

import pytest

from smpp_gateway.checks import (
    CATALOGUE,
    CHECKS,
    RULE_IDS,
    Accept,
    AccountPolicy,
    Amend,
    ChecksConfig,
    Pipeline,
    Reject,
    RuleMode,
    RuleSettings,
    demo_account_policy,
)
from smpp_gateway.checks import (
    run as run_pipeline,
)
from smpp_gateway.message import Address, MessageClass
from smpp_gateway.smpp.constants import CommandStatus, Npi, Ton

from .helpers import context, message, open_policy, pipeline, rejected_by, run

SPOOF = message("Votre compte est suspendu", sender="PAYPAI")


def test_every_catalogue_rule_has_a_check_and_the_order_is_the_catalogue_order() -> None:
    assert tuple(CHECKS) == RULE_IDS
    assert pipeline().rule_ids == RULE_IDS


def test_verdicts_are_frozen_values() -> None:
    reject = Reject("duplicate", CommandStatus.ESME_RX_R_APPN, "why")
    with pytest.raises(dataclasses.FrozenInstanceError):
        reject.reason = "other"  # type: ignore[misc]
    assert Accept() == Accept()
    assert Amend("sender.ton_npi", {"source": Address("A")}, "r").changes["source"] == Address("A")


def test_enforce_rejects_with_the_rule_status() -> None:
    result = run(SPOOF)
    assert result.final == Reject(
        "sender.lookalike",
        CommandStatus.ESME_RINVSRCADR,
        "sender 'PAYPAI' imitates the protected brand PAYPAL",
    )
    assert [(f.rule, f.mode, f.kind) for f in result.findings] == [
        ("sender.lookalike", RuleMode.ENFORCE, "reject")
    ]


def test_monitor_lets_through_and_reports_every_rule_it_would_have_fired() -> None:
    monitor_all = ChecksConfig(rules={rule: RuleSettings(mode=RuleMode.MONITOR) for rule in RULE_IDS})
    result = run(SPOOF, config=monitor_all)
    assert result.accepted
    assert [f.rule for f in result.findings] == ["sender.lookalike", "sender.registry"]
    assert all(f.mode is RuleMode.MONITOR for f in result.findings)
    assert result.findings[0].status == CommandStatus.ESME_RINVSRCADR


def test_off_disables_the_rule() -> None:
    policy = AccountPolicy.model_validate(
        {**demo_account_policy().model_dump(), "rules": {"sender.lookalike": {"mode": "off"}}}
    )
    assert "sender.lookalike" not in pipeline(policy).rule_ids
    assert rejected_by(run(SPOOF, policy=policy)) == "sender.registry"


def test_monitor_mode_amendments_are_reported_but_not_applied() -> None:
    sloppy = message(sender=Address("ACME", Ton.UNKNOWN, Npi.UNKNOWN))
    enforced = run(sloppy)
    assert enforced.amended.source.ton == Ton.ALPHANUMERIC
    monitored = run(sloppy, policy=open_policy(rules={"sender.ton_npi": RuleSettings(mode="monitor")}))
    assert monitored.amended.source.ton == Ton.UNKNOWN
    assert [(f.rule, f.kind, f.mode) for f in monitored.findings] == [("sender.ton_npi", "amend", "monitor")]


def test_the_input_message_is_never_modified() -> None:
    sloppy = message(sender=Address("ACME", Ton.UNKNOWN, Npi.UNKNOWN), to="+33612345678")
    before = dataclasses.replace(sloppy)
    result = run(sloppy)
    assert sloppy == before
    assert result.amended is not sloppy
    assert result.amended.message_class is MessageClass.TRANSACTIONAL


@pytest.mark.parametrize("status", ["ESME_RSYSERR", "esme_rsyserr", 8, "0x08"])
def test_status_override_by_name_or_number(status: object) -> None:
    config = ChecksConfig(rules={"sender.lookalike": RuleSettings(status=status)})  # type: ignore[arg-type]
    assert run(SPOOF, config=config).final.status == CommandStatus.ESME_RSYSERR  # type: ignore[union-attr]


def test_status_override_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="command_status"):
        RuleSettings(status="ESME_RNOPE")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="non-zero"):
        RuleSettings(status=0)


def test_vendor_table_answers_one_code_per_rule() -> None:
    config = ChecksConfig(status_table="vendor")
    assert run(SPOOF, config=config).final.status == 0x401  # type: ignore[union-attr]
    codes = [info.vendor_code for info in CATALOGUE.values()]
    assert len(set(codes)) == len(codes)
    assert all(0x400 <= code <= 0x4FF for code in codes)
    explicit = ChecksConfig(
        status_table="vendor", rules={"sender.lookalike": RuleSettings(status="ESME_RINVSRCADR")}
    )
    assert run(SPOOF, config=explicit).final.status == CommandStatus.ESME_RINVSRCADR  # type: ignore[union-attr]


def test_precedence_catalogue_global_group_account() -> None:
    config = ChecksConfig(
        rules={"duplicate": RuleSettings(threshold=5, window_seconds=60)},
        groups={
            "banks": AccountPolicy(
                rules={"duplicate": RuleSettings(threshold=2)}, registered_domains=["bank.fr"]
            )
        },
    )
    plain = Pipeline.from_config(config, AccountPolicy()).settings.rule("duplicate")
    assert (plain.threshold, plain.window_seconds) == (5, 60)
    banked = Pipeline.from_config(config, AccountPolicy(group="banks")).settings
    assert (banked.rule("duplicate").threshold, banked.rule("duplicate").window_seconds) == (2, 60)
    assert banked.policy.registered_domains == ["bank.fr"]
    own = AccountPolicy(
        group="banks", registered_domains=["mybank.fr"], rules={"duplicate": RuleSettings(mode="off")}
    )
    settings = Pipeline.from_config(config, own).settings
    assert settings.policy.registered_domains == ["mybank.fr"]
    assert (settings.rule("duplicate").threshold, settings.rule("duplicate").mode) == (2, RuleMode.OFF)


def test_unknown_group_or_rule_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="unknown group"):
        Pipeline.from_config(ChecksConfig(), AccountPolicy(group="nope"))
    with pytest.raises(ValueError, match="unknown rule"):
        ChecksConfig(rules={"sender.nope": RuleSettings()})
    with pytest.raises(ValueError, match="cannot name a group"):
        ChecksConfig(groups={"a": AccountPolicy(group="b")})


def test_a_concatenated_phishing_message_is_checked_whole() -> None:
    # Three SMS parts as the client split them; the URL straddles parts 2 and 3. The gateway
    # reassembles them into one Message: one verdict, given to every part.
    parts = [
        "Bonjour, votre colis n°8812 est en attente de livraison depuis 3 jours. ",
        "Pour le recevoir, réglez les frais de réexpédition (1,99 EUR) sur https://colis-la",
        "poste-suivi.info/fr/payer avant ce soir. Merci.",
    ]
    whole = message("".join(parts), sender="ACME")
    assert all(rejected_by(run(message(part))) is None for part in parts[:1])
    result = run(whole)
    assert rejected_by(result) == "content.url_domain"
    assert "colis-laposte-suivi.info" in result.final.reason  # type: ignore[union-attr]
    open_result = run(whole, policy=open_policy())  # no declared domains: the brand name and lure decide
    assert rejected_by(open_result) in {"content.url_domain", "content.phishing"}


def test_module_level_run_is_the_method() -> None:
    pipe = pipeline()
    assert run_pipeline(pipe, SPOOF, context()).final == pipe.run(SPOOF, context()).final


def test_checks_need_the_pipeline_to_fill_the_context() -> None:
    from smpp_gateway.checks.sender import sender_registry

    with pytest.raises(RuntimeError, match=r"Pipeline\.run"):
        sender_registry(SPOOF, context())


def test_the_classified_copy_carries_every_field() -> None:
    from smpp_gateway.checks.pipeline import _classified

    original = message("Votre code est 123456", tags={"subdivision": "57"})
    original.parts, original.received_at, original.service_type = 3, 1234.5, "CMT"
    copy = _classified(original, MessageClass.OTP)
    assert copy is not original
    assert copy == dataclasses.replace(original, message_class=MessageClass.OTP)
    assert _classified(copy, MessageClass.OTP) is copy


def test_the_rules_after_a_first_finding_still_run_by_class() -> None:
    # The short code with a wrong TON is corrected (an amendment: the first step that does not
    # accept); the steps after it must still include the marketing-only rules for a campaign, and
    # leave them out for a notice. Twice: the second time the segments answer from their memos.
    pipe = pipeline()
    campaign = message("-20% ce week-end sur acme.fr", sender=Address("36123", Ton.NATIONAL, Npi.ISDN))
    notice = dataclasses.replace(campaign, message_class=MessageClass.TRANSACTIONAL)
    for _ in range(2):
        result = pipe.run(campaign, context())
        assert [(f.rule, f.kind) for f in result.findings] == [
            ("sender.ton_npi", "amend"),
            ("class.opt_out_mention", "reject"),
        ]
        assert rejected_by(result) == "class.opt_out_mention"
        result = pipe.run(notice, context())
        assert result.accepted
        assert [(f.rule, f.kind) for f in result.findings] == [("sender.ton_npi", "amend")]
