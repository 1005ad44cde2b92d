"""Open Badges 3.0 credentials: canonicalisation, keys, signing, verification, status lists.

Signing (`signing.py`) and verification (`verifying.py`) share only canonicalisation and
the key encoding; the verifier trusts nothing the signer computed.
"""
