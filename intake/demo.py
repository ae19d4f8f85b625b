"""The intake app's part of the demo centre: people on the waiting list."""


def fill(centre) -> None:
    """(filled below)"""
