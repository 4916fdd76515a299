"""Helmet-camera rendering: Earth, atmosphere, Sun, stars, station; frames and video."""
