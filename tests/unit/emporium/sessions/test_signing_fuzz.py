"""Property tests of the session cookie's parsing: any cookie value a client
sends is a genuine id or no id, never an error, and only a value signed with
one of the keys is ever taken for an id."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from emporium.sessions.signing import SessionIdSigner

KEYS = (b"current key", b"previous key")
NOW = 1_800_000_000
signer = SessionIdSigner(KEYS, max_age=3600)

ID = st.from_regex(r"\At[0-9]{10}-[A-Za-z0-9_-]{40}\Z")
# Cookies near the genuine shape (an id, a dot, 64 hex digits) as well as
# any text at all, including surrogates and dots in odd places.
NEAR = st.builds(
    lambda i, sep, mac: f"{i}{sep}{mac}",
    ID | st.text(max_size=70),
    st.sampled_from([".", "..", "", ":"]),
    st.from_regex(r"\A[0-9a-f]{64}\Z") | st.text(max_size=70),
)
COOKIE = st.text(max_size=260) | NEAR


@settings(max_examples=200, derandomize=True, deadline=None)
@given(COOKIE)
def test_any_cookie_is_an_id_or_none_and_never_an_error(cookie):
    session_id, current = signer.unsign(cookie, now=NOW)
    assert session_id is None and current is False
    assert signer.aged_out(cookie, now=NOW) is None


@settings(max_examples=100, derandomize=True, deadline=None)
@given(ID, st.integers(0, 2**40))
def test_a_signed_id_is_read_back_while_in_date(session_id, now):
    cookie = signer.sign(session_id)
    found, current = signer.unsign(cookie, now=now)
    issued = SessionIdSigner.issued_at(session_id)
    in_date = -300 <= now - issued <= 3600
    assert found == (session_id if in_date else None)
    assert current is in_date
    assert signer.aged_out(cookie, now=now) == (None if in_date else session_id)
    # One character changed anywhere is no longer the store's.
    for index in range(0, len(cookie), 7):
        changed = cookie[:index] + ("0" if cookie[index] != "0" else "1")
        changed += cookie[index + 1 :]
        assert signer.unsign(changed, now=now)[0] is None
