"""Shared work in progress: the activities planned at the accounts a team works with."""
