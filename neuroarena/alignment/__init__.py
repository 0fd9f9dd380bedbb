"""Alignment: models of vision scored against EEG and behaviour, with noise ceilings."""
