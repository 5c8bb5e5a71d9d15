"""The wakeword Kivy app (desktop and Android). Entry point: ``mobile_app/main.py``.

``catalog``, ``sensitivity`` and ``enroll`` are pure Python and import no Kivy.
"""
