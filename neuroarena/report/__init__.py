"""Leaderboards from result records."""
