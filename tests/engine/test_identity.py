"""Who a message is from, without keeping who they are: the keyed hash and the contact record."""

from __future__ import annotations

from cryptography.fernet import Fernet

from engine.identity import Contact, ContactCipher, sender_id


def test_sms_and_whatsapp_from_one_number_are_one_person_and_the_hash_holds_no_digits_of_it():
    key = "a key of the tests"
    assert sender_id("+22790123456", key) == sender_id("whatsapp:+22790123456", key)
    assert sender_id("+22790123456", key) != sender_id("+22790123456", "another key")
    assert "90123456" not in sender_id("+22790123456", key)


def test_contact_record_is_encrypted_and_opens_during_and_after_a_key_rotation():
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    contact = Contact("whatsapp:+22790123456", "whatsapp")
    sealed_with_old = ContactCipher(old).seal(contact)
    assert b"22790123456" not in sealed_with_old
    rotating = ContactCipher(f"{new},{old}")
    assert rotating.open(sealed_with_old) == contact  # records sealed before the rotation
    assert ContactCipher(new).open(rotating.seal(contact)) == contact  # new records: the new key
    assert ContactCipher(Fernet.generate_key().decode()).open(sealed_with_old) is None
