"""Accounts as the rest of Plaza meets them: the kinds of account and their vocabularies
(:mod:`.kinds`), government accounts and their verification (:mod:`.government`), and who may do
what (:mod:`.policy`). The account records themselves — sign-up, profiles, sign-in — are the
square's (:mod:`plaza.square.accounts`)."""
