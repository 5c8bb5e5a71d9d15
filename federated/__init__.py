"""Federated fine-tuning of the model's last layer across users, with secure aggregation.

Modules
-------
updates   the numpy side (no Flower): a client's local update, clipping, noise for differential
          privacy and its epsilon, the server's checks, applying an aggregate
flower    Flower clients (NumPyClient), the SecAgg+ client mods, the trace of what clients send
server    the strategy, per-round measurement, the simulation runner
app       the Flower App (server_app, client_app) for real SuperLink and SuperNode processes
loopback  a SuperLink and one SuperNode per client on 127.0.0.1, and ``flwr run``
__main__  ``wakeword-federated``: a run on real voices, one client per speaker
"""
