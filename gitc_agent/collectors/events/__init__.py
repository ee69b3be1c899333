"""Security events from EVTX files and log-manager exports (collector `events`)."""
