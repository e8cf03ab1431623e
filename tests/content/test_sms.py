"""SMS encoding and segments: GSM-7 160/153, UCS-2 70/67, extension characters cost two."""

from remi import sms


def test_gsm7_single_and_multipart_boundaries():
    assert sms.segments("a" * 160).count == 1
    assert sms.segments("a" * 161).count == 2
    assert sms.segments("a" * 306).count == 2
    assert sms.segments("a" * 307).count == 3


def test_one_hooked_letter_makes_the_whole_message_ucs2():
    text = "a" * 69 + "ɗ"
    assert sms.segments(text).encoding == "UCS-2"
    assert sms.segments(text).count == 1
    assert sms.segments(text + "a").count == 2  # 71 UTF-16 units: 67 per part


def test_extension_characters_cost_two_septets():
    assert sms.segments("€" * 80).units == 160
    assert sms.segments("€" * 81).count == 2


def test_folding_keeps_meaning_and_saves_segments():
    hausa = "Ku je asibiti mafi kusa: ƙungiyar ta ba da taimako ga ƴan ci-rani ɗaya ɗaya."
    assert sms.fold_to_gsm7(hausa).count("k") > hausa.count("k")
    assert sms.is_gsm7(sms.fold_to_gsm7(hausa))
    assert sms.for_sms("Arrêté à Zinder") == "Arreté à Zinder"  # é and à are GSM-7, ê is not
    assert sms.for_sms("Arrêté", fold=False) == "Arrêté"


def test_emoji_cannot_be_folded():
    assert not sms.is_gsm7(sms.fold_to_gsm7("ok 🙂"))
