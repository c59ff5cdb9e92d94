"""The limits that protect accounts, in one place (finding 6 of issue 16)."""

HOUR = 3600

# Sign-up: mails sent per email address (a new account's confirmation, or the "someone tried
# to sign up with your address" notice to its owner), and sign-up attempts per client address.
SIGNUP_MAILS_PER_ADDRESS_PER_HOUR = 3
SIGNUPS_PER_CLIENT_PER_HOUR = 10

# Password reset: reset mails per email address, requests per client address.
RESET_MAILS_PER_ADDRESS_PER_HOUR = 3
RESETS_PER_CLIENT_PER_HOUR = 10

# An account not confirmed within this many days is deleted (its username is free again).
UNCONFIRMED_ACCOUNT_DAYS = 7
