"""Accounts as the rest of Plaza meets them: who may do what (:mod:`.policy`)."""
